//! The quoted names and columns a type-2 load and its late-row guard share.

use super::super::ident::quote_ident;
use crate::schema::{History, Table};

/// The table keeping each key's latest loaded `latest_by` time.
pub(super) fn seen_table(table: &Table) -> String {
    format!("dwh_last_seen_{}", table.name)
}

/// The column of [`seen_table`] holding the time.
pub(super) const LAST_SEEN: &str = "\"__dwh_last_seen\"";

/// Quoted names shared by the statements.
pub(super) struct Names {
    pub(super) target: String,
    pub(super) batch: String,
    pub(super) versions: String,
    /// Each key's latest loaded time ([`seen_table`]).
    pub(super) seen: String,
    /// The natural key columns.
    pub(super) keys: Vec<String>,
    /// Every loaded column but the three history roles.
    pub(super) data: Vec<String>,
}

impl Names {
    pub(super) fn of(table: &Table, history: &History) -> Names {
        let roles = history.roles();
        Names {
            target: quote_ident(table.name),
            batch: quote_ident(&format!("__dwh_batch_{}", table.name)),
            versions: quote_ident(&format!("__dwh_versions_{}", table.name)),
            seen: quote_ident(&seen_table(table)),
            keys: table.natural_key.iter().map(|k| quote_ident(k)).collect(),
            data: table
                .loaded_columns()
                .filter(|c| !roles.contains(&c.name))
                .map(|c| quote_ident(c.name))
                .collect(),
        }
    }

    pub(super) fn keys(&self) -> String {
        self.keys.join(", ")
    }

    pub(super) fn key_match(&self, left: &str, right: &str) -> String {
        self.keys
            .iter()
            .map(|k| format!("{left}.{k} = {right}.{k}"))
            .collect::<Vec<_>>()
            .join(" AND ")
    }

    pub(super) fn data(&self, prefix: &str) -> String {
        self.data
            .iter()
            .map(|c| format!("{prefix}{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The loaded columns that are neither key, tracked nor a history role.
pub(super) fn untracked_columns(table: &Table, history: &History) -> Vec<&'static str> {
    table
        .loaded_columns()
        .map(|c| c.name)
        .filter(|c| {
            !table.natural_key.contains(c)
                && !history.tracked.contains(c)
                && !history.roles().contains(c)
        })
        .collect()
}
