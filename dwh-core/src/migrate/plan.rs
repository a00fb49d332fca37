//! The statements that make the live tables the declared ones, per table,
//! in order, each marked [`Safety`] and whether it runs inside the
//! migration's transaction.
//!
//! PostgreSQL alters everything in place in one transaction, except a
//! column order or IDENTITY change (a deep copy). Redshift alters in place
//! only what its ALTER TABLE allows
//! (<https://docs.aws.amazon.com/redshift/latest/dg/r_ALTER_TABLE.html>):
//! ADD COLUMN of a nullable column, a wider VARCHAR, ENCODE, DISTSTYLE/DISTKEY, a compound or no
//! sort key, comments; everything else is a deep copy in the transaction.

use serde::Serialize;

pub use super::step::{Safety, Step};

use super::diff::{diff, Change};
use super::live::{LiveDist, LiveTable};
use super::step::step;
use super::{alter, deep_copy, unmatched};
use crate::catalog::Schema;
use crate::schema::{Column, Encode, SortStyle, SqlType, Table};
use crate::sql::ddl::comment_statements;
use crate::sql::registry::{self, Origin};
use crate::sql::{create_table, Dialect, IfNotExists};

/// What happens to a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TableAction {
    /// It does not exist: created (as the normal run would).
    Create,
    /// Altered in place.
    Alter,
    /// Rebuilt: a new table, INSERT … SELECT, a rename swap.
    DeepCopy,
}

/// What changes in one table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TablePlan {
    /// The table.
    pub table: &'static str,
    /// Create, alter or deep copy.
    pub action: TableAction,
    /// The differences found, in words.
    pub changes: Vec<String>,
    /// The riskiest step.
    pub safety: Safety,
    /// The statements, in the order they run.
    pub steps: Vec<Step>,
    /// Only comments differ: no data is at stake, so runs go on.
    pub comments_only: bool,
}

/// Every table's plan, in the schema's order; tables that match are left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    /// `postgres` or `redshift`.
    pub dialect: &'static str,
    /// The tables that change.
    pub tables: Vec<TablePlan>,
}

impl Plan {
    /// Nothing to do.
    pub fn is_empty(&self) -> bool {
        self.tables.is_empty()
    }

    /// Existing tables that differ from their structs (not the missing ones).
    pub fn differing(&self) -> Vec<&'static str> {
        self.tables
            .iter()
            .filter(|t| t.action != TableAction::Create)
            .map(|t| t.table)
            .collect()
    }

    /// Tables with a destructive step.
    pub fn destructive(&self) -> Vec<&TablePlan> {
        self.tables
            .iter()
            .filter(|t| t.safety == Safety::Destructive)
            .collect()
    }

    /// Every step, in order, with its table.
    pub fn steps(&self) -> impl Iterator<Item = (&'static str, &Step)> {
        self.tables
            .iter()
            .flat_map(|t| t.steps.iter().map(move |s| (t.table, s)))
    }
}

/// The plan that makes the `live` tables (those found) the `schema`'s; a
/// fact's unmatched-rows table that exists follows its staging source
/// ([`super::unmatched`]), planned right after the fact.
pub fn plan(schema: &Schema, live: &[LiveTable], dialect: Dialect) -> Plan {
    let found = |name: &str| live.iter().find(|l| l.name == name);
    let mut tables = Vec::new();
    for table in schema.tables() {
        tables.extend(match found(table.name) {
            None => Some(create(table, dialect)),
            Some(live) => plan_table(live, table, dialect),
        });
        let unmatched = unmatched::declaration(table);
        if let Some((live, declared)) = unmatched.and_then(|d| Some((found(d.name)?, d))) {
            tables.extend(plan_table(live, &declared, dialect));
        }
    }
    Plan {
        dialect: dialect.name(),
        tables,
    }
}

/// One table's plan; `None` when it matches its struct.
pub fn plan_table(live: &LiveTable, table: &Table, dialect: Dialect) -> Option<TablePlan> {
    let changes = diff(live, table, dialect);
    if changes.is_empty() {
        return None;
    }
    let (action, steps) = if needs_deep_copy(&changes, live, table, dialect) {
        let steps = deep_copy::steps(live, table, dialect);
        (TableAction::DeepCopy, steps)
    } else {
        (
            TableAction::Alter,
            alter::steps(&changes, live, table, dialect),
        )
    };
    let safety = changes
        .iter()
        .map(Change::safety)
        .chain(steps.iter().map(|s| s.safety))
        .max()
        .unwrap_or(Safety::Safe);
    let comments_only = changes
        .iter()
        .all(|c| matches!(c, Change::TableDoc(_) | Change::ColumnDoc(_)));
    Some(TablePlan {
        table: table.name,
        action,
        changes: changes.iter().map(|c| c.to_string()).collect(),
        safety,
        steps,
        comments_only,
    })
}

fn create(table: &'static Table, dialect: Dialect) -> TablePlan {
    let mut sql = vec![
        create_table(table, dialect, IfNotExists::No),
        registry::register(table.name, Origin::Created, dialect),
    ];
    sql.extend(comment_statements(table, dialect));
    TablePlan {
        table: table.name,
        action: TableAction::Create,
        changes: vec!["create the table".to_owned()],
        safety: Safety::Safe,
        steps: sql
            .into_iter()
            .map(|s| step(s, Safety::Safe, None))
            .collect(),
        comments_only: false,
    }
}

/// What Redshift cannot alter in place (see the module docs), and on
/// PostgreSQL a column order or IDENTITY change.
fn needs_deep_copy(changes: &[Change], live: &LiveTable, table: &Table, dialect: Dialect) -> bool {
    if dialect == Dialect::Postgres {
        return changes
            .iter()
            .any(|c| matches!(c, Change::Order | Change::Identity(_)));
    }
    let live_sort = live.sort_key.as_ref();
    let interleaved = live_sort.is_some_and(|s| s.style == SortStyle::Interleaved);
    changes.iter().any(|change| match change {
        Change::DropColumn(_) | Change::Nullability(_) | Change::Identity(_) | Change::Order => {
            true
        }
        // Redshift has no ALTER COLUMN … DROP DEFAULT (r_ALTER_TABLE), and
        // COPY fills a field a record lacks from a column's DEFAULT
        // (c_loading_default_values): a NOT NULL column is added, and a
        // live default dropped, by rebuilding the table without one.
        Change::AddColumn(c) => c.identity || !c.nullable,
        Change::Default(_) => true,
        Change::Retype { column, .. } => !alterable_type(column, live, table, interleaved),
        Change::SortKey { to, .. } => {
            interleaved
                || to
                    .as_ref()
                    .is_some_and(|s| s.style == SortStyle::Interleaved)
        }
        // ALTER DISTSTYLE "is not supported for tables with interleaved sort keys",
        // and "you can't alter the encoding for a column in a table with an
        // interleaved sortkey" (ALTER COLUMN … ENCODE).
        Change::Dist { .. } | Change::Encode { .. } => interleaved,
        _ => false,
    })
}

/// Redshift's ALTER COLUMN … TYPE (r_ALTER_TABLE.html): only a wider
/// VARCHAR, and not on a column encoded BYTEDICT, RUNLENGTH, TEXT255 or
/// TEXT32K, nor on one with a default value (as `dwh migrate` gives a NOT
/// NULL column it adds), nor on a UNIQUE, PRIMARY KEY or FOREIGN KEY one
/// (dwh declares a PRIMARY KEY only). dwh also rebuilds for a DISTKEY
/// column or one of an interleaved sort key.
fn alterable_type(column: &Column, live: &LiveTable, table: &Table, interleaved: bool) -> bool {
    let Some(found) = live.column(column.name) else {
        return false;
    };
    let widen =
        matches!((found.ty, column.ty), (Some(SqlType::Varchar(a)), SqlType::Varchar(b)) if b > a);
    let encoded = matches!(
        found.encode,
        Some(Encode::Bytedict | Encode::Runlength | Encode::Text255 | Encode::Text32k)
    );
    let constrained = found.default.is_some() || table.primary_key.contains(&column.name);
    let dist_key = table.dist_key == Some(column.name)
        || live.dist == Some(LiveDist::Key(column.name.to_owned()));
    let in_sort = live
        .sort_key
        .as_ref()
        .is_some_and(|s| s.columns.iter().any(|c| c == column.name));
    let in_interleaved = interleaved && in_sort;
    widen && !(encoded || constrained || dist_key || in_interleaved)
}
