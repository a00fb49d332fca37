//! Late rows: a batch's rows no later than what is loaded for their key.
//!
//! A type-2 history is built from batches in time order. A row that comes
//! after rows loaded before (a day held back and added later, files loaded
//! out of order) may change versions that are already closed, or the
//! current version's start, and the versions keep too little to redo that:
//! a version keeps where it starts, not the times of the events inside it,
//! so where a version resumes after a late change cannot be known. So:
//! - each key's latest loaded `latest_by` time is kept in
//!   `dwh_last_seen_<t>` (its rows count only for keys the dimension holds:
//!   after `--fresh`, `--full-refresh` or `drop-tables` they are stale and
//!   are replaced by the key's next load);
//! - a batch row no later than that time that a load of every row in time
//!   order would have seen change nothing is left out: it falls in a
//!   version with the same tracked values, after that version's start (and
//!   if it is at the latest time itself, with the same untracked values);
//! - any other such row refuses the run before anything is committed,
//!   naming the keys, and `--full-refresh` rebuilds from every file in time
//!   order.
//!
//! A key loaded by a dwh release without this table has no row in it: its
//! latest loaded time is taken as its current version's start, until its
//! next load records it.

use super::super::ident::quote_ident;
use super::super::transform::source_rows;
use super::compare::differs_value;
use super::names::{untracked_columns, Names, LAST_SEEN};
use crate::schema::{History, Load, Table};

/// The alias of a key's latest loaded time in [`loaded`].
pub(super) const LOADED_LAST: &str = "\"__dwh_loaded_last\"";

/// At most this many late keys are listed.
const LATE_KEYS_LISTED: u32 = 10;

/// `CREATE TABLE IF NOT EXISTS dwh_last_seen_<t>`: the natural key's
/// columns and the time. Small (a row per key), no physical options: the
/// same statement on both targets.
pub(super) fn create_seen(table: &Table, names: &Names) -> String {
    let keys: Vec<String> = table
        .natural_key
        .iter()
        .map(|k| {
            let ty = table.column(k).map(|c| c.ty.to_string());
            format!(
                "{} {} NOT NULL",
                quote_ident(k),
                ty.as_deref().unwrap_or("VARCHAR(512)")
            )
        })
        .collect();
    format!(
        "CREATE TABLE IF NOT EXISTS {} ({}, {LAST_SEEN} TIMESTAMP NOT NULL)",
        names.seen,
        keys.join(", ")
    )
}

/// Each key the dimension holds, with its latest loaded time: the later of
/// its recorded time and its current version's start.
pub(super) fn loaded(history: &History, names: &Names) -> String {
    let from = quote_ident(history.valid_from);
    let keys: Vec<String> = names.keys.iter().map(|k| format!("c.{k}")).collect();
    format!(
        "(SELECT {keys}, CASE WHEN s.{LAST_SEEN} > c.{from} THEN s.{LAST_SEEN} ELSE c.{from} END AS {LOADED_LAST} \
         FROM {target} AS c LEFT JOIN {seen} AS s ON {on} WHERE c.{current})",
        keys = keys.join(", "),
        target = names.target,
        seen = names.seen,
        on = names.key_match("s", "c"),
        current = quote_ident(history.is_current),
    )
}

/// The keys with a batch row no later than their latest loaded time that
/// would change their history (see the module doc): `(key, first_late, n,
/// keys)` rows, `key` the natural key as text, `first_late` the earliest
/// such row's time as text, `n` their rows, `keys` how many keys in all;
/// at most [`LATE_KEYS_LISTED`], earliest first. No row: the batch is in
/// time order for every key.
pub(super) fn late_rows(table: &Table, load: &Load, history: &History, names: &Names) -> String {
    let r = |c: &str| format!("r.{}", quote_ident(c));
    let v = |c: &str| format!("v.{}", quote_ident(c));
    let tracked: Vec<String> = history
        .tracked
        .iter()
        .map(|c| differs_value(table, c, &r(c), &v(c)))
        .collect();
    let untracked: Vec<String> = untracked_columns(table, history)
        .iter()
        .map(|c| differs_value(table, c, &r(c), &v(c)))
        .collect();
    let mut changes = vec![format!("v.{} IS NULL", names.keys[0])];
    changes.extend(tracked);
    if !untracked.is_empty() {
        changes.push(format!(
            "(r.__dwh_order = l.{LOADED_LAST} AND ({}))",
            untracked.join(" OR ")
        ));
    }
    let key_text: Vec<String> = names
        .keys
        .iter()
        .map(|k| format!("CAST(r.{k} AS VARCHAR(512))"))
        .collect();
    let r_keys: Vec<String> = names.keys.iter().map(|k| format!("r.{k}")).collect();
    format!(
        "SELECT key, first_late, n, COUNT(*) OVER () AS keys FROM (\n    \
         SELECT {key_text} AS key, CAST(MIN(r.__dwh_order) AS VARCHAR(32)) AS first_late, \
         COUNT(*) AS n, MIN(r.__dwh_order) AS __dwh_first\n    FROM (\n{rows}\n    ) AS r\n    \
         JOIN {loaded} AS l ON {l_on}\n    \
         LEFT JOIN {target} AS v ON {v_on} AND r.__dwh_order >= v.{from} AND (v.{to} IS NULL OR r.__dwh_order < v.{to})\n    \
         WHERE r.__dwh_order <= l.{LOADED_LAST} AND ({changes})\n    \
         GROUP BY {r_keys}\n) AS late\nORDER BY __dwh_first, key\nLIMIT {LATE_KEYS_LISTED}",
        key_text = key_text.join(" || ', ' || "),
        rows = source_rows(table, load, load.source.name, None),
        loaded = loaded(history, names),
        l_on = names.key_match("l", "r"),
        target = names.target,
        v_on = names.key_match("v", "r"),
        from = quote_ident(history.valid_from),
        to = quote_ident(history.valid_to),
        changes = changes.join(" OR "),
        r_keys = r_keys.join(", "),
    )
}
