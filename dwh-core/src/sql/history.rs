//! The load of a type-2 dimension (`#[dwh(history = scd2)]`): every change
//! of a tracked column starts a new version of the key's row.
//!
//! Before the load, the batch's rows no later than what is loaded for
//! their key are checked ([`late`]): one that would change the key's
//! history refuses the run, naming the keys, as the versions keep too
//! little to redo it (`--full-refresh` rebuilds from every file in time
//! order); the others changed nothing and are left out.
//!
//! From the batch's source rows (the same rows, filter, lookups and RTRIM
//! rules as a type-1 load: [`super::transform`]'s `source_rows`):
//! 1. `__dwh_batch_<t>`: one row per key and `latest_by` time (of rows
//!    tied on both, the one the type-1 load would pick: greatest
//!    `tie_break`, then the other columns ascending), keeping only rows
//!    later than the key's latest loaded time. Rows with no time cannot be
//!    placed in a history and are left out.
//! 2. `__dwh_versions_<t>`: the key's current version (as a seed) and the
//!    batch rows in time order; a row whose tracked values differ from the
//!    previous row's starts a version, valid from its time to the next
//!    version's (`LAG`/`LEAD`). A batch whose first rows repeat the current
//!    version's tracked values continues it.
//! 3. The current version of each key with a new version is closed at the
//!    first new one's time; the new versions are inserted, the last one
//!    current (`valid_to` NULL).
//! 4. Untracked columns are type 1: every version of a key gets the values
//!    of its latest batch row.
//! 5. Each key's latest time is recorded (`dwh_last_seen_<t>`).
//!
//! So the versions are those of one load of every row in time order,
//! whatever the order of the batches, or the run is refused. A re-run over
//! the same rows finds none later than the loaded times and changes
//! nothing.
//!
//! The statements are the same in both dialects. Temporary tables, UPDATE
//! and INSERT rather than MERGE: Redshift's MERGE takes one table source
//! and updates or inserts per match, while a key may gain several versions
//! (<https://docs.aws.amazon.com/redshift/latest/dg/r_MERGE.html>).
//! Null-safe comparisons are spelled with CASE: Redshift's comparison
//! conditions have no `IS DISTINCT FROM`
//! (<https://docs.aws.amazon.com/redshift/latest/dg/r_comparison_condition.html>).

use super::ident::quote_ident;
use super::transform::source_rows;
use crate::schema::{History, Load, Table};
use compare::differs_value;
use late::{create_seen, late_rows, loaded, LOADED_LAST};
use names::{seen_table, untracked_columns, Names, LAST_SEEN};

mod compare;
mod late;
mod names;

/// The statements of a type-2 dimension's load, in order, for either dialect.
pub(super) fn load_statements(table: &Table, load: &Load, history: &History) -> Vec<String> {
    let names = Names::of(table, history);
    let mut out = vec![
        format!("DROP TABLE IF EXISTS {}", names.batch),
        batch(table, load, history, &names),
        format!("DROP TABLE IF EXISTS {}", names.versions),
        versions(table, history, &names),
        close_current(history, &names),
        insert_versions(history, &names),
    ];
    out.extend(untracked(table, history, &names));
    out.extend(remember_last_seen(&names));
    out.push(format!("DROP TABLE {}", names.batch));
    out.push(format!("DROP TABLE {}", names.versions));
    out
}

/// What runs before a type-2 dimension's load: the `CREATE TABLE IF NOT
/// EXISTS` of its [`seen_table`], and the query of the batch's late rows
/// ([`late_rows`]) that refuses the run. `None` for other tables.
pub(super) fn late_guard(table: &Table) -> Option<(String, String)> {
    let (load, history) = (table.load.as_ref()?, table.history.as_ref()?);
    let names = Names::of(table, history);
    Some((
        create_seen(table, &names),
        late_rows(table, load, history, &names),
    ))
}

/// `DROP TABLE IF EXISTS` of a type-2 dimension's [`seen_table`] (`--fresh`).
pub(crate) fn drop_seen(table: &Table) -> Option<String> {
    table.history.as_ref()?;
    Some(format!(
        "DROP TABLE IF EXISTS {}",
        quote_ident(&seen_table(table))
    ))
}

/// Step 1: one row per key and time, later than the key's latest loaded
/// time ([`loaded`]; rows up to it are the guard's, [`late_rows`]), and of
/// those only the rows step 2 can tell apart: a key's first and last row
/// and each row whose tracked values differ from the previous row's. A
/// dropped row equals its predecessor, so the row after it compares the
/// same in step 2, and the last row keeps the untracked values of step 4.
/// The batch is a key's changes, not its events: at 1M events the
/// Sparkify users batch is 13k rows instead of 966k (benches/e2e).
fn batch(table: &Table, load: &Load, history: &History, names: &Names) -> String {
    let mut order: Vec<String> = Vec::new();
    if load.tie_break.is_some() {
        order.push("__dwh_tie DESC NULLS LAST".to_owned());
    }
    order.extend(
        names
            .data
            .iter()
            .filter(|c| !names.keys.contains(c))
            .map(|c| format!("{c} ASC NULLS LAST")),
    );
    let key_present: Vec<String> = names
        .keys
        .iter()
        .map(|k| format!("{k} IS NOT NULL"))
        .chain(["__dwh_order IS NOT NULL".to_owned()])
        .collect();
    let over = format!("OVER (PARTITION BY {} ORDER BY __dwh_order)", names.keys());
    format!(
        "CREATE TEMP TABLE {batch} AS
SELECT {cols}, b.__dwh_order AS \"__dwh_from\"\nFROM (\n    \
         SELECT d.*, LAG(__dwh_order) {over} AS __dwh_prev_from, LEAD(__dwh_order) {over} AS __dwh_next_from{previous}\n    \
         FROM (\n        \
         SELECT __dwh_rows.*, ROW_NUMBER() OVER (PARTITION BY {keys}, __dwh_order ORDER BY {order}) AS __dwh_rank\n        \
         FROM (\n{rows}\n        ) AS __dwh_rows\n        WHERE {present}\n    ) AS d\n    WHERE d.__dwh_rank = 1\n) AS b\n\
         LEFT JOIN {loaded} AS c ON {on}\n\
         WHERE (c.{last} IS NULL OR b.__dwh_order > c.{last})\n  \
         AND (b.__dwh_prev_from IS NULL OR b.__dwh_next_from IS NULL OR b.__dwh_prev_from <= c.{last} OR {changed})",
        batch = names.batch,
        cols = names.data("b."),
        previous = previous_tracked(history, &over),
        keys = names.keys(),
        order = order.join(", "),
        rows = source_rows(table, load, load.source.name, None),
        present = key_present.join(" AND "),
        loaded = loaded(history, names),
        on = names.key_match("c", "b"),
        last = LOADED_LAST,
        changed = tracked_changed(table, history, "b."),
    )
}

/// `, LAG(<tracked>) <over> AS __dwh_prev_<i>` for each tracked column.
fn previous_tracked(history: &History, over: &str) -> String {
    history
        .tracked
        .iter()
        .enumerate()
        .map(|(i, c)| format!(", LAG({}) {over} AS __dwh_prev_{i}", quote_ident(c)))
        .collect()
}

/// Whether a row's tracked values differ from its `__dwh_prev_<i>` ones.
fn tracked_changed(table: &Table, history: &History, prefix: &str) -> String {
    let changed: Vec<String> = history
        .tracked
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let c = format!("{prefix}{}", quote_ident(name));
            differs_value(table, name, &c, &format!("{prefix}__dwh_prev_{i}"))
        })
        .collect();
    format!("({})", changed.join(" OR "))
}

/// Step 2: the new versions, each with its start and end; tracked values
/// compare as in step 1.
fn versions(table: &Table, history: &History, names: &Names) -> String {
    let over = format!(
        "OVER (PARTITION BY {} ORDER BY \"__dwh_from\")",
        names.keys()
    );
    format!(
        "CREATE TEMP TABLE {versions} AS\nSELECT {cols}, \"__dwh_from\", LEAD(\"__dwh_from\") {over} AS \"__dwh_to\"\n\
         FROM (\n    SELECT s.*, LAG(\"__dwh_from\") {over} AS __dwh_prev_from{previous}\n    FROM (\n        \
         SELECT {cols}, {from} AS \"__dwh_from\", 1 AS __dwh_seed FROM {target} AS c\n        \
         WHERE c.{current} AND EXISTS (SELECT 1 FROM {batch} AS b WHERE {on})\n        \
         UNION ALL\n        SELECT {cols}, \"__dwh_from\", 0 AS __dwh_seed FROM {batch}\n    ) AS s\n) AS __dwh_steps\n\
         WHERE __dwh_seed = 0 AND (__dwh_prev_from IS NULL OR {changed})",
        versions = names.versions,
        cols = names.data(""),
        previous = previous_tracked(history, &over),
        from = quote_ident(history.valid_from),
        target = names.target,
        current = quote_ident(history.is_current),
        batch = names.batch,
        on = names.key_match("b", "c"),
        changed = tracked_changed(table, history, ""),
    )
}

/// Step 3a: the current version of a key with new versions ends where the
/// first of them begins.
fn close_current(history: &History, names: &Names) -> String {
    format!(
        "UPDATE {target} SET {to} = n.\"__dwh_first\", {current} = FALSE\n\
         FROM (SELECT {keys}, MIN(\"__dwh_from\") AS \"__dwh_first\" FROM {versions} GROUP BY {keys}) AS n\n\
         WHERE {on} AND {target}.{current}",
        target = names.target,
        to = quote_ident(history.valid_to),
        current = quote_ident(history.is_current),
        keys = names.keys(),
        versions = names.versions,
        on = names.key_match(&names.target, "n"),
    )
}

/// Step 3b: the new versions; the last of each key is current.
fn insert_versions(history: &History, names: &Names) -> String {
    format!(
        "INSERT INTO {target} ({cols}, {from}, {to}, {current})\n\
         SELECT {cols}, \"__dwh_from\", \"__dwh_to\", \"__dwh_to\" IS NULL FROM {versions}",
        target = names.target,
        cols = names.data(""),
        from = quote_ident(history.valid_from),
        to = quote_ident(history.valid_to),
        current = quote_ident(history.is_current),
        versions = names.versions,
    )
}

/// Step 4: untracked columns, type 1 on every version of a key; only rows
/// whose values change are written, compared as [`differs_value`] (so
/// `'Ann'` to `'Ann '` writes nothing on either target). `None` when every
/// column is tracked.
fn untracked(table: &Table, history: &History, names: &Names) -> Option<String> {
    let columns = untracked_columns(table, history);
    if columns.is_empty() {
        return None;
    }
    let quoted: Vec<String> = columns.iter().map(|c| quote_ident(c)).collect();
    let set: Vec<String> = quoted.iter().map(|c| format!("{c} = n.{c}")).collect();
    let changed: Vec<String> = columns
        .iter()
        .zip(&quoted)
        .map(|(name, c)| {
            differs_value(
                table,
                name,
                &format!("{}.{c}", names.target),
                &format!("n.{c}"),
            )
        })
        .collect();
    Some(format!(
        "UPDATE {target} SET {set}\nFROM (\n    SELECT {keys}, {cols} FROM (\n        \
         SELECT b.*, ROW_NUMBER() OVER (PARTITION BY {keys} ORDER BY \"__dwh_from\" DESC) AS __dwh_rank\n        \
         FROM {batch} AS b\n    ) AS l\n    WHERE __dwh_rank = 1\n) AS n\nWHERE {on} AND ({changed})",
        target = names.target,
        set = set.join(", "),
        keys = names.keys(),
        cols = quoted.join(", "),
        batch = names.batch,
        on = names.key_match(&names.target, "n"),
        changed = changed.join(" OR "),
    ))
}

/// Step 5: each key of the batch's latest time, its batch's last row's.
/// (A key's rows all up to its loaded time changed nothing and leave its
/// time as it was.) Without an alias in `USING`, a form both targets take
/// (<https://docs.aws.amazon.com/redshift/latest/dg/r_DELETE.html>).
fn remember_last_seen(names: &Names) -> [String; 2] {
    [
        format!(
            "DELETE FROM {seen} USING {batch} WHERE {on}",
            seen = names.seen,
            batch = names.batch,
            on = names.key_match(&names.seen, &names.batch),
        ),
        format!(
            "INSERT INTO {seen} ({keys}, {LAST_SEEN})\n\
             SELECT {keys}, MAX(\"__dwh_from\") FROM {batch} GROUP BY {keys}",
            seen = names.seen,
            keys = names.keys(),
            batch = names.batch,
        ),
    ]
}

#[cfg(test)]
mod tests;
