//! Checks of type-2 dimensions and of the facts that refer to them: each
//! key's versions form one chain, exactly one of them current, and each
//! fact row finds the version valid at its time.

use super::super::ident::quote_ident;
use crate::schema::{Column, History, Table};

/// The natural key as one text value, over the alias `prefix`.
fn key_text(table: &Table, prefix: &str) -> String {
    table
        .natural_key
        .iter()
        .map(|k| format!("CAST({prefix}{} AS VARCHAR(512))", quote_ident(k)))
        .collect::<Vec<_>>()
        .join(" || ', ' || ")
}

/// Keys without exactly one current version, or whose current version is
/// not the open one (`valid_to` NULL): `(key, n)` rows, `n` their current
/// versions.
pub fn current_versions(table: &Table, history: &History) -> String {
    let current = quote_ident(history.is_current);
    let to = quote_ident(history.valid_to);
    format!(
        "SELECT {key} AS key, SUM(CASE WHEN {current} THEN 1 ELSE 0 END) AS n FROM {t} \
         GROUP BY {keys} HAVING SUM(CASE WHEN {current} THEN 1 ELSE 0 END) <> 1 \
         OR SUM(CASE WHEN {current} AND {to} IS NULL THEN 1 ELSE 0 END) <> 1",
        key = key_text(table, ""),
        t = quote_ident(table.name),
        keys = super::quote_list(table.natural_key.iter().copied(), ""),
    )
}

/// Keys whose versions, in `valid_from` order, do not chain: each one's
/// `valid_to` must be the next one's `valid_from` (no gap, no overlap), the
/// last one open (`valid_to` NULL). `(key, n)` rows, `n` the versions out
/// of place. Exact duplicates are counted once here: the uniqueness check
/// reports them.
pub fn version_chain(table: &Table, history: &History) -> String {
    let (from, to) = (
        quote_ident(history.valid_from),
        quote_ident(history.valid_to),
    );
    let keys = super::quote_list(table.natural_key.iter().copied(), "");
    format!(
        "SELECT {key} AS key, COUNT(*) AS n FROM (\
         SELECT {keys}, {to}, LEAD({from}) OVER (PARTITION BY {keys} ORDER BY {from}) AS __dwh_next \
         FROM (SELECT DISTINCT {keys}, {from}, {to} FROM {t}) AS d) AS v \
         WHERE CASE WHEN (__dwh_next IS NULL AND {to} IS NULL) OR {to} = __dwh_next \
         THEN FALSE ELSE TRUE END \
         GROUP BY {keys}",
        key = key_text(table, ""),
        t = quote_ident(table.name),
    )
}

/// A fact column that refers to a type-2 dimension, with the dimension,
/// its history and the fact column that picks the version.
pub fn versioned(column: &Column) -> Option<(&'static Table, &'static History, &'static str)> {
    let dimension = column.references?;
    let history = dimension.history.as_ref()?;
    Some((dimension, history, column.as_of?))
}

/// A fact column that refers to a type-2 dimension, and what it refers to.
pub struct Versions<'a> {
    pub fact: &'a Table,
    pub column: &'a Column,
    pub dimension: &'a Table,
    pub history: &'a History,
    /// The fact column that picks the version.
    pub as_of: &'a str,
}

impl Versions<'_> {
    /// The dimension's key column the fact column refers to.
    pub fn key(&self) -> &str {
        self.dimension
            .natural_key
            .first()
            .copied()
            .unwrap_or(self.column.name)
    }

    /// Fact rows whose key is in the dimension but finds no version valid
    /// at their time: `(key, n)` rows. (A key not there at all is the
    /// orphan check's.) More than one version cannot be found where the
    /// versions chain ([`version_chain`]) and are unique per key and
    /// `valid_from`: so each row finds exactly one. With `batch` (a
    /// [`super::batch_join`]), only of the fact rows the latest batch holds.
    pub fn unversioned(&self, batch: Option<&str>) -> String {
        let col = quote_ident(self.column.name);
        let key = quote_ident(self.key());
        let at = quote_ident(self.as_of);
        format!(
            "SELECT CAST(f.{col} AS VARCHAR(512)) AS key, COUNT(*) AS n FROM {fact} AS f{batch} \
             LEFT JOIN {dim} AS d ON f.{col} = d.{key} AND f.{at} >= d.{from} \
             AND (d.{to} IS NULL OR f.{at} < d.{to}) \
             WHERE f.{col} IN (SELECT {key} FROM {dim}) AND d.{key} IS NULL \
             GROUP BY f.{col}",
            fact = quote_ident(self.fact.name),
            dim = quote_ident(self.dimension.name),
            from = quote_ident(self.history.valid_from),
            to = quote_ident(self.history.valid_to),
            batch = batch.map(|b| format!(" {b}")).unwrap_or_default(),
        )
    }
}
