//! The in-place part of a plan: the ALTERs, ADD COLUMNs and COMMENTs
//! that close a table's difference when no deep copy is needed, in the
//! order that works on each dialect.

use super::diff::Change;
use super::live::{LiveDist, LiveTable};
use super::step::{step, Safety, Step};
use super::types::zero_literal;
use crate::schema::{Column, SqlType, Table};
use crate::sql::ddl::{column_def, comment_on_column, comment_on_table};
use crate::sql::{quote_ident, quote_list, Dialect};

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

pub(super) fn steps(
    changes: &[Change],
    live: &LiveTable,
    table: &Table,
    dialect: Dialect,
) -> Vec<Step> {
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
            Change::Default(c) if dialect == Dialect::Postgres => {
                steps.push(step(drop_default(&t, c), safety, None))
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
            // An added column with a doc comment gets it in the same plan;
            // otherwise the next plan would still differ.
            Change::AddColumn(c) if !c.doc.trim().is_empty() => {
                Some(comment_on_column(table.name, c.name, Some(c.doc), dialect))
            }
            _ => None,
        })
        .map(|sql| step(sql, Safety::Safe, None))
        .collect()
}

/// ADD COLUMN, giving existing rows the type's zero in a NOT NULL column
/// through a DEFAULT dropped right after: the struct declares none, and
/// a default would let a load fill a missing field. Redshift cannot drop
/// a default, so there such a column comes by the deep copy (plan.rs).
fn add_column(t: &str, column: &Column, dialect: Dialect) -> Vec<Step> {
    let def = column_def(column, dialect);
    let def = def.trim_start();
    if column.nullable || column.identity {
        let sql = format!("ALTER TABLE {t} ADD COLUMN {def}");
        return vec![step(sql, Safety::Safe, None)];
    }
    debug_assert_eq!(
        dialect,
        Dialect::Postgres,
        "Redshift adds it by a deep copy"
    );
    let zero = zero_literal(column.ty);
    let note = "existing rows get the type's zero value (0, '', FALSE, 1970-01-01)";
    vec![
        step(
            format!("ALTER TABLE {t} ADD COLUMN {def} DEFAULT {zero}"),
            Safety::Safe,
            Some(note),
        ),
        step(drop_default(t, column), Safety::Safe, None),
    ]
}

fn drop_default(t: &str, column: &Column) -> String {
    format!(
        "ALTER TABLE {t} ALTER COLUMN {} DROP DEFAULT",
        quote_ident(column.name)
    )
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
