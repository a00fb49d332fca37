//! Late-arriving dimension rows: the rule for a keyed fact whose lookup
//! finds nothing yet (a play whose song arrives in a later run).
//!
//! The rule, the same on both targets: the fact row is loaded at once with
//! its looked-up columns NULL (the unknown member), and its source row is
//! kept in `dwh_unmatched_<fact>`, a table shaped like the fact's staging
//! source (`CREATE TABLE … (LIKE …)`). Every later run first matches those
//! rows against the dimensions as they are now and fills in the fact's
//! NULL columns where a match appeared; the check "no unmatched row has a
//! match now" counts the rows it missed. So a warehouse loaded one day at
//! a time ends with the same fact rows as one run over every day.
//!
//! Unmatched rows stay (most plays match no song in the Sparkify data), so
//! the table grows with the fact; `--full-refresh` empties it.

use super::ddl::{column_def, table_attributes};
use super::dialect::Dialect;
use super::ident::{quote_ident, quote_list};
use super::ledger;
use super::transform::{lookup_on, lookup_target, select_rows_from, LookupJoin};
use crate::schema::{Fill, Load, Table, TableKind};

/// The unmatched-rows table of `fact`, when it has one: a fact with a
/// natural key and lookups.
pub fn table_name(fact: &Table) -> Option<String> {
    let load = fact.load.as_ref()?;
    let applies = fact.kind == TableKind::Fact && !fact.is_keyless() && !load.lookups.is_empty();
    applies.then(|| format!("dwh_unmatched_{}", fact.name))
}

/// `CREATE TABLE IF NOT EXISTS dwh_unmatched_<fact>`, shaped like the
/// fact's staging source.
///
/// PostgreSQL: `(LIKE <source>)`. Redshift: the source's columns, NOT NULL,
/// ENCODE, distribution and sort key written out, and `BACKUP YES`. Its
/// rows are the only copy of the late arrivals (staging is emptied by the
/// next load), so it must be in the cluster's snapshots; a table created
/// `LIKE` a parent inherits the parent's attributes
/// (<https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_TABLE_NEW.html>,
/// "LIKE parent_table" and "BACKUP { YES | NO }"), so one whose staging
/// table was made `BACKUP NO` would be left out of every snapshot.
pub fn create(fact: &Table, dialect: Dialect) -> Option<String> {
    let name = quote_ident(&table_name(fact)?);
    let source = fact.load.as_ref()?.source;
    Some(match dialect {
        Dialect::Postgres => format!(
            "CREATE TABLE IF NOT EXISTS {name} (LIKE {})",
            quote_ident(source.name)
        ),
        Dialect::Redshift => {
            let columns: Vec<String> = source
                .columns
                .iter()
                .map(|c| column_def(c, dialect))
                .collect();
            format!(
                "CREATE TABLE IF NOT EXISTS {name} (\n{}\n)\nBACKUP YES{}",
                columns.join(",\n"),
                table_attributes(source)
            )
        }
    })
}

/// Empties the unmatched rows (`--full-refresh`); `DELETE` on Redshift,
/// where `TRUNCATE` commits.
pub fn empty(fact: &Table, dialect: Dialect) -> Option<String> {
    let name = quote_ident(&table_name(fact)?);
    Some(match dialect {
        Dialect::Postgres => format!("TRUNCATE {name}"),
        Dialect::Redshift => format!("DELETE FROM {name}"),
    })
}

/// The condition "every lookup found a row", or "some lookup found none"
/// with `negate`: a matched lookup's first key column is not NULL.
fn matched(load: &Load, negate: bool) -> String {
    let test = if negate { "IS NULL" } else { "IS NOT NULL" };
    let parts: Vec<String> = load
        .lookups
        .iter()
        .map(|l| {
            let column = l.on.first().map_or("", |(c, _)| c);
            format!("{}.{} {test}", quote_ident(l.alias), quote_ident(column))
        })
        .collect();
    format!("({})", parts.join(if negate { " OR " } else { " AND " }))
}

/// The fact columns filled from a lookup (`s.song_id`).
fn looked_up_columns(fact: &Table) -> Vec<&'static str> {
    fact.loaded_columns()
        .filter(|c| matches!(c.fill, Fill::Column(path) if path.contains('.') && !path.starts_with("src.")))
        .map(|c| c.name)
        .collect()
}

/// Fills in the fact's looked-up columns that are NULL from the unmatched
/// rows that match now. Runs before the batch is appended. PostgreSQL and
/// Redshift both take `UPDATE … SET … FROM (subquery) … WHERE`
/// (<https://docs.aws.amazon.com/redshift/latest/dg/r_UPDATE.html>), but
/// Redshift takes no left, right or full outer join in that FROM ("Target table
/// must be part of an equijoin predicate", same page): the subquery joins
/// its lookups inner, which keeps the same rows as a LEFT JOIN filtered on
/// "every lookup found a row".
pub fn resolve(fact: &Table, dialect: Dialect) -> Option<String> {
    let name = table_name(fact)?;
    let load = fact.load.as_ref()?;
    let columns = looked_up_columns(fact);
    if columns.is_empty() {
        return None;
    }
    let target = quote_ident(fact.name);
    let rows = select_rows_from(
        fact,
        load,
        dialect,
        &name,
        Some(&matched(load, false)),
        LookupJoin::Inner,
    );
    let set: Vec<String> = columns
        .iter()
        .map(|c| format!("{c} = COALESCE({target}.{c}, r.{c})", c = quote_ident(c)))
        .collect();
    let keys: Vec<String> = fact
        .natural_key
        .iter()
        .map(|k| format!("{target}.{k} = r.{k}", k = quote_ident(k)))
        .collect();
    let open: Vec<String> = columns
        .iter()
        .map(|c| format!("{target}.{} IS NULL", quote_ident(c)))
        .collect();
    Some(format!(
        "UPDATE {target} SET {}\nFROM (\n{rows}\n) AS r\nWHERE {} AND ({}) AND ({})",
        set.join(", "),
        keys.join(" AND "),
        open.join(" OR "),
        dimensions_grew(load, dialect)
    ))
}

/// True when a looked-up table may have new rows: its own source has a
/// batch the run takes in. Otherwise nothing can match that did not
/// before, and the uncorrelated condition spares the join over every
/// unmatched row (PostgreSQL evaluates it once, as a one-time filter).
fn dimensions_grew(load: &Load, dialect: Dialect) -> String {
    let mut sources: Vec<&Table> = Vec::new();
    for table in load.lookups.iter().flat_map(|l| l.tables()) {
        let source = table.load.as_ref().map_or(table, |l| l.source);
        if !sources.iter().any(|s| s.name == source.name) {
            sources.push(source);
        }
    }
    sources
        .into_iter()
        .map(|s| ledger::batch_pending(s, dialect))
        .collect::<Vec<_>>()
        .join(" OR ")
}

/// Keeps the batch's source rows that some lookup did not match, once per
/// batch (while the ledger says it is not transformed).
pub fn record(fact: &Table, dialect: Dialect) -> Option<String> {
    let name = table_name(fact)?;
    let load = fact.load.as_ref()?;
    let columns: Vec<&str> = load.source.columns.iter().map(|c| c.name).collect();
    let mut conditions: Vec<String> = load.filter.iter().map(|f| format!("({f})")).collect();
    conditions.push(matched(load, true));
    conditions.push(ledger::batch_pending(load.source, dialect));
    let joins: String = load
        .lookups
        .iter()
        .map(|l| format!("\nLEFT JOIN {} ON {}", lookup_target(l), lookup_on(l)))
        .collect();
    Some(format!(
        "INSERT INTO {} ({})\nSELECT {}\nFROM {} AS src{joins}\nWHERE {}",
        quote_ident(&name),
        quote_list(columns.iter().copied(), ""),
        quote_list(columns.iter().copied(), "src."),
        quote_ident(load.source.name),
        conditions.join(" AND ")
    ))
}

/// `DROP TABLE IF EXISTS dwh_unmatched_<fact>` (`--fresh`).
pub fn drop(fact: &Table) -> Option<String> {
    Some(format!(
        "DROP TABLE IF EXISTS {}",
        quote_ident(&table_name(fact)?)
    ))
}
