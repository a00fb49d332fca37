//! Each star-schema table's row count, kept from run to run
//! (`dwh_row_counts`), so that a day's run reports the tables' totals
//! without counting them.
//!
//! An exact `COUNT(*)` reads every row (PostgreSQL has no cheaper exact
//! count): 0.5–0.7 s for the 8.6M plays of the 10M warehouse, before and
//! after each load, where the day's own statements take a tenth of that.
//! The run keeps the count its load left instead, in its own transaction,
//! and works out the next one from what the load's statements report
//! (rows inserted, rows deleted). A kept count belongs to one
//! registration of its table (the registry's `created_at`): a table
//! dropped and created again, or adopted, is counted afresh. A full
//! refresh forgets the counts of the tables it empties. Every check over
//! whole tables compares the kept count with the table's rows
//! ([`kept_count_differs`]), so a table changed behind dwh's back is
//! reported by the next whole check. A day that only appended a small
//! batch leaves the comparison out (`crate::checks::Scope::Appended`),
//! and carries the kept count on until then.
//!
//! Every statement renders the same for both dialects (table names are
//! validated identifiers, whose literals need no escaping) and binds no
//! parameters.

use super::dialect::Dialect;
use super::ident::{quote_ident, quote_literal, validate_ident};
use super::registry::REGISTRY;
use crate::schema::Table;

/// The kept counts' table.
pub const ROW_COUNTS: &str = "dwh_row_counts";

/// `CREATE TABLE IF NOT EXISTS dwh_row_counts (...)`: a tiny table, no
/// physical options.
pub fn create_row_counts() -> String {
    format!(
        "CREATE TABLE IF NOT EXISTS {} (\n    \
         table_name VARCHAR(127) NOT NULL,\n    \
         registered_at TIMESTAMP NOT NULL,\n    \
         row_count BIGINT NOT NULL\n)",
        quote_ident(ROW_COUNTS)
    )
}

/// One row, one BIGINT: `table`'s rows as kept for its current
/// registration, or counted when none is kept. COALESCE evaluates its
/// second argument only when the first is NULL, on both engines
/// (<https://docs.aws.amazon.com/redshift/latest/dg/r_NVL_function.html>;
/// PostgreSQL runs the uncorrelated subquery as an init plan, on first
/// use), and a scalar subquery may stand in a select list
/// (<https://docs.aws.amazon.com/redshift/latest/dg/r_scalar_subqueries.html>).
pub fn kept_or_counted(table: &Table) -> String {
    format!(
        "SELECT COALESCE(MAX(k.row_count), (SELECT COUNT(*) FROM {})) {}",
        quote_ident(table.name),
        kept_for(table)
    )
}

/// `FROM … WHERE …` of `table`'s kept count (`k.row_count`), for its
/// current registration only.
fn kept_for(table: &Table) -> String {
    format!(
        "FROM {counts} AS k JOIN {registry} AS r \
         ON r.table_name = k.table_name AND r.created_at = k.registered_at \
         WHERE k.table_name = {name}",
        counts = quote_ident(ROW_COUNTS),
        registry = quote_ident(REGISTRY),
        name = name_literal(table),
    )
}

/// Keeps `rows` as `table`'s count for its current registration, in place
/// of any count kept before: rendered once the load's rows are known.
pub fn keep(table: &Table, rows: u64) -> [String; 2] {
    let name = name_literal(table);
    [
        forget(table),
        format!(
            "INSERT INTO {counts} (table_name, registered_at, row_count) \
             SELECT table_name, created_at, {rows} FROM {registry} WHERE table_name = {name}",
            counts = quote_ident(ROW_COUNTS),
            registry = quote_ident(REGISTRY),
        ),
    ]
}

/// Forgets `table`'s kept count (a full refresh empties the table).
pub fn forget(table: &Table) -> String {
    format!(
        "DELETE FROM {} WHERE table_name = {}",
        quote_ident(ROW_COUNTS),
        name_literal(table)
    )
}

/// One row, one BIGINT: how far `table`'s kept count is from its rows, 0
/// when none is kept for its current registration.
pub fn kept_count_differs(table: &Table) -> String {
    format!(
        "SELECT COALESCE(ABS(MAX(k.row_count) - (SELECT COUNT(*) FROM {})), 0) {}",
        quote_ident(table.name),
        kept_for(table)
    )
}

/// `table`'s name as a literal.
fn name_literal(table: &Table) -> String {
    if let Err(e) = validate_ident(table.name) {
        panic!("{e}");
    }
    quote_literal(table.name, Dialect::Postgres)
}
