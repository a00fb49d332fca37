//! The facts' unmatched-rows tables (`dwh_unmatched_<fact>`, see
//! [`crate::sql::unmatched`]) in a migration. Each is created `LIKE` its
//! fact's staging source and holds the only copy of the late-arriving
//! source rows, so it follows that table through every migration: the
//! same columns added or widened, or the same deep copy, its rows kept.
//! Otherwise the next run's "keep unmatched" INSERT, which names the
//! source's columns, fails on the old shape.
//!
//! Its declaration is the source's without comments (`LIKE` copies none,
//! and nothing sets them), under its own name.

use crate::catalog::Schema;
use crate::schema::{Column, Table, TableKind};
use crate::sql::unmatched::table_name;

/// Every declared table's name and every unmatched-rows table's: the
/// tables whose live schema a plan reads.
pub fn live_names(schema: &Schema) -> Vec<String> {
    let tables = schema.tables();
    let declared = tables.iter().map(|t| t.name.to_owned());
    declared
        .chain(tables.iter().filter_map(|t| table_name(t)))
        .collect()
}

/// The unmatched-rows table of `fact` as a declared table: its staging
/// source's columns and physical design, no comments. `None` when the fact
/// has none.
///
/// A [`Table`] holds its name and columns for the life of the program (the
/// derive's `&'static`): these are built per plan and leaked, a few
/// hundred bytes each time `dwh plan` or `dwh migrate` plans.
pub fn declaration(fact: &Table) -> Option<Table> {
    let name = table_name(fact)?;
    let source = fact.load.as_ref()?.source;
    let columns: Vec<Column> = source
        .columns
        .iter()
        .map(|c| Column { doc: "", ..*c })
        .collect();
    Some(Table {
        name: Box::leak(name.into_boxed_str()),
        kind: TableKind::Staging,
        columns: Box::leak(columns.into_boxed_slice()),
        history: None,
        load: None,
        doc: "",
        ..*source
    })
}
