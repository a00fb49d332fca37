//! The statements that make the live tables the declared ones, per table,
//! in order, each marked [`Safety`] and whether it runs inside the
//! migration's transaction.
//!
//! PostgreSQL alters everything in place in one transaction, except a
//! column order or IDENTITY change (a deep copy). Redshift alters in place
//! only what its ALTER TABLE allows
//! (<https://docs.aws.amazon.com/redshift/latest/dg/r_ALTER_TABLE.html>):
//! ADD COLUMN, a wider VARCHAR, ENCODE, DISTSTYLE/DISTKEY, a compound or no
//! sort key, comments; everything else is a deep copy in the transaction.

use serde::Serialize;

use super::deep_copy;
use super::diff::{diff, Change};
use super::live::{LiveDist, LiveTable};
use super::types::zero_literal;
use crate::catalog::Schema;
use crate::schema::{Column, Encode, SortStyle, SqlType, Table};
use crate::sql::ddl::{column_def, comment_on_column, comment_on_table, comment_statements};
use crate::sql::registry::{self, Origin};
use crate::sql::{create_table, quote_ident, quote_list, Dialect, IfNotExists};

/// How much a step risks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Safety {
    /// Changes the catalog only, or adds; no data is rewritten.
    Safe,
    /// Rewrites data without losing any (a deep copy, a wider integer).
    Rewrite,
    /// May lose data or fail on it: a dropped column, a narrower or other
    /// type. `dwh migrate` needs `--allow-destructive`.
    Destructive,
}

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

/// One statement of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    /// The SQL.
    pub sql: String,
    /// Its risk.
    pub safety: Safety,
    /// Whether it runs inside the migration's transaction; the others run
    /// one by one after the commit, in order.
    pub in_transaction: bool,
    /// Why it is there or why it runs outside the transaction.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<&'static str>,
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
    /// Only comments differ (the normal run sets them itself).
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

/// The plan that makes the `live` tables (those found) the `schema`'s.
pub fn plan(schema: &Schema, live: &[LiveTable], dialect: Dialect) -> Plan {
    let tables = schema
        .tables()
        .iter()
        .filter_map(|table| match live.iter().find(|l| l.name == table.name) {
            None => Some(create(table, dialect)),
            Some(live) => plan_table(live, table, dialect),
        })
        .collect();
    Plan {
        dialect: dialect.name(),
        tables,
    }
}

/// One table's plan; `None` when it matches its struct.
pub fn plan_table(live: &LiveTable, table: &'static Table, dialect: Dialect) -> Option<TablePlan> {
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
            alter_steps(&changes, live, table, dialect),
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

pub(super) fn step(sql: String, safety: Safety, note: Option<&'static str>) -> Step {
    Step {
        sql,
        safety,
        in_transaction: true,
        note,
    }
}

/// Redshift: "You can't alter columns within a transaction block (BEGIN
/// ... END)" (ALTER COLUMN … TYPE in
/// <https://docs.aws.amazon.com/redshift/latest/dg/r_ALTER_TABLE.html>).
const TYPE_OUTSIDE: &str = "outside the transaction: Redshift cannot alter a column's type \
     inside a transaction block (ALTER TABLE, ALTER COLUMN … TYPE)";
/// ALTER DISTSTYLE / DISTKEY / SORTKEY / ENCODE redistribute, re-sort or
/// re-encode the table's blocks and "can't run concurrently" with VACUUM
/// or each other on a table (same page). The page does not promise that
/// every such form runs inside a transaction block, so dwh does not rely on
/// it: each runs on its own, after the commit, like ALTER COLUMN … TYPE.
const PHYSICAL_OUTSIDE: &str = "outside the transaction: Redshift rewrites the table's \
     blocks for this ALTER and runs it on its own (ALTER TABLE usage notes)";

fn outside(sql: String, safety: Safety, note: &'static str) -> Step {
    Step {
        sql,
        safety,
        in_transaction: false,
        note: Some(note),
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
        Change::AddColumn(c) => c.identity,
        Change::Retype { column, .. } => !alterable_type(column, live, table, interleaved),
        Change::SortKey { to, .. } => {
            interleaved
                || to
                    .as_ref()
                    .is_some_and(|s| s.style == SortStyle::Interleaved)
        }
        // ALTER DISTSTYLE "is not supported for tables with interleaved sort keys".
        Change::Dist { .. } => interleaved,
        _ => false,
    })
}

/// Redshift's ALTER COLUMN … TYPE: only a wider VARCHAR, not on a column
/// encoded BYTEDICT, RUNLENGTH, TEXT255 or TEXT32K (r_ALTER_TABLE.html);
/// dwh also rebuilds for a DISTKEY column or one of an interleaved sort key.
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
    let dist_key = table.dist_key == Some(column.name)
        || live.dist == Some(LiveDist::Key(column.name.to_owned()));
    let in_sort = live
        .sort_key
        .as_ref()
        .is_some_and(|s| s.columns.iter().any(|c| c == column.name));
    let in_interleaved = interleaved && in_sort;
    widen && !(encoded || dist_key || in_interleaved)
}

fn alter_steps(changes: &[Change], live: &LiveTable, table: &Table, dialect: Dialect) -> Vec<Step> {
    let mut steps = in_transaction_steps(changes, table, dialect);
    if dialect == Dialect::Redshift {
        steps.extend(redshift_outside_steps(changes, live, table));
    }
    steps
}

/// Drops, adds, PostgreSQL's type and NULL changes, comments: all inside
/// the transaction.
fn in_transaction_steps(changes: &[Change], table: &Table, dialect: Dialect) -> Vec<Step> {
    let t = quote_ident(table.name);
    let mut steps = Vec::new();
    for change in changes {
        let safety = change.safety();
        match change {
            Change::DropColumn(c) => steps.push(step(
                format!("ALTER TABLE {t} DROP COLUMN {}", quote_ident(c)),
                safety,
                None,
            )),
            Change::AddColumn(c) => steps.extend(add_column(&t, c, dialect)),
            Change::Retype {
                column, from_ty, ..
            } if dialect == Dialect::Postgres => {
                steps.push(step(pg_retype(&t, column, *from_ty), safety, None))
            }
            Change::Nullability(c) if dialect == Dialect::Postgres => {
                let what = if c.nullable { "DROP" } else { "SET" };
                let sql = format!(
                    "ALTER TABLE {t} ALTER COLUMN {} {what} NOT NULL",
                    quote_ident(c.name)
                );
                steps.push(step(sql, safety, None));
            }
            _ => {}
        }
    }
    steps.extend(comment_steps(changes, table, dialect));
    steps
}

fn comment_steps(changes: &[Change], table: &Table, dialect: Dialect) -> Vec<Step> {
    changes
        .iter()
        .filter_map(|change| match change {
            Change::TableDoc(doc) => Some(comment_on_table(table.name, Some(doc), dialect)),
            Change::ColumnDoc(c) => {
                Some(comment_on_column(table.name, c.name, Some(c.doc), dialect))
            }
            _ => None,
        })
        .map(|sql| step(sql, Safety::Safe, None))
        .collect()
}

/// ADD COLUMN, giving existing rows the type's zero in a NOT NULL column.
/// PostgreSQL then drops the default (the struct declares none); Redshift
/// has no ALTER COLUMN … DROP DEFAULT, so the default stays there.
fn add_column(t: &str, column: &Column, dialect: Dialect) -> Vec<Step> {
    let def = column_def(column, dialect);
    let def = def.trim_start();
    let filled = !column.nullable && !column.identity;
    let sql = match (filled, dialect) {
        (false, _) => format!("ALTER TABLE {t} ADD COLUMN {def}"),
        (true, Dialect::Postgres) => {
            format!(
                "ALTER TABLE {t} ADD COLUMN {def} DEFAULT {}",
                zero_literal(column.ty)
            )
        }
        (true, Dialect::Redshift) => {
            // Redshift's order: type, DEFAULT, ENCODE, NOT NULL.
            let mut sql = format!(
                "ALTER TABLE {t} ADD COLUMN {} {} DEFAULT {}",
                quote_ident(column.name),
                column.ty,
                zero_literal(column.ty)
            );
            if let Some(e) = column.encode {
                sql.push_str(&format!(" ENCODE {}", e.keyword()));
            }
            sql + " NOT NULL"
        }
    };
    let note =
        filled.then_some("existing rows get the type's zero value (0, '', FALSE, 1970-01-01)");
    let mut steps = vec![step(sql, Safety::Safe, note)];
    if filled && dialect == Dialect::Postgres {
        let sql = format!(
            "ALTER TABLE {t} ALTER COLUMN {} DROP DEFAULT",
            quote_ident(column.name)
        );
        steps.push(step(sql, Safety::Safe, None));
    }
    steps
}

/// PostgreSQL's ALTER COLUMN … TYPE. Between VARCHARs without USING, so a
/// value too long for a narrower one fails the migration instead of being
/// cut (an explicit cast would truncate it).
fn pg_retype(t: &str, column: &Column, from: Option<SqlType>) -> String {
    let c = quote_ident(column.name);
    let ty = column.ty;
    match (from, ty) {
        (Some(SqlType::Varchar(_)), SqlType::Varchar(_)) => {
            format!("ALTER TABLE {t} ALTER COLUMN {c} TYPE {ty}")
        }
        _ => format!("ALTER TABLE {t} ALTER COLUMN {c} TYPE {ty} USING {c}::{ty}"),
    }
}

/// Redshift's in-place ALTERs that run outside the transaction, in the
/// order that works: the sort key is dropped before a column of it
/// changes type (Redshift refuses to alter a sort key column, the failure
/// dbt users hit), then types, encodings, distribution, and the declared
/// sort key last, once its columns exist and have their types.
fn redshift_outside_steps(changes: &[Change], live: &LiveTable, table: &Table) -> Vec<Step> {
    let t = quote_ident(table.name);
    let mut steps = Vec::new();
    let retyped: Vec<&Column> = changes
        .iter()
        .filter_map(|c| match c {
            Change::Retype { column, .. } => Some(*column),
            _ => None,
        })
        .collect();
    let sort_dropped = live.sort_key.as_ref().is_some_and(|s| {
        retyped
            .iter()
            .any(|c| s.columns.iter().any(|k| k == c.name))
    });
    if sort_dropped {
        let sql = format!("ALTER TABLE {t} ALTER SORTKEY NONE");
        steps.push(outside(sql, Safety::Rewrite, PHYSICAL_OUTSIDE));
    }
    for column in &retyped {
        let sql = format!(
            "ALTER TABLE {t} ALTER COLUMN {} TYPE {}",
            quote_ident(column.name),
            column.ty
        );
        steps.push(outside(sql, Safety::Safe, TYPE_OUTSIDE));
    }
    for change in changes {
        if let Change::Encode { column, to } = change {
            let sql = format!(
                "ALTER TABLE {t} ALTER COLUMN {} ENCODE {}",
                quote_ident(column.name),
                to.keyword()
            );
            steps.push(outside(sql, Safety::Rewrite, PHYSICAL_OUTSIDE));
        }
        if let Change::Dist { to, .. } = change {
            steps.push(outside(dist_sql(&t, to), Safety::Rewrite, PHYSICAL_OUTSIDE));
        }
    }
    let sort_changed = changes.iter().any(|c| matches!(c, Change::SortKey { .. }));
    if sort_changed || sort_dropped {
        let sql = match table.sort_key {
            Some(key) => format!(
                "ALTER TABLE {t} ALTER COMPOUND SORTKEY ({})",
                quote_list(key.columns.iter().copied(), "")
            ),
            None if sort_dropped => return steps,
            None => format!("ALTER TABLE {t} ALTER SORTKEY NONE"),
        };
        steps.push(outside(sql, Safety::Rewrite, PHYSICAL_OUTSIDE));
    }
    steps
}

fn dist_sql(t: &str, to: &LiveDist) -> String {
    match to {
        LiveDist::Auto => format!("ALTER TABLE {t} ALTER DISTSTYLE AUTO"),
        LiveDist::Even => format!("ALTER TABLE {t} ALTER DISTSTYLE EVEN"),
        LiveDist::All => format!("ALTER TABLE {t} ALTER DISTSTYLE ALL"),
        LiveDist::Key(k) => format!(
            "ALTER TABLE {t} ALTER DISTSTYLE KEY DISTKEY {}",
            quote_ident(k)
        ),
    }
}
