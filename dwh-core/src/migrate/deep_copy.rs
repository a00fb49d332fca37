//! The deep copy: what cannot be altered in place is rebuilt inside the
//! migration's transaction: a new table as declared, INSERT … SELECT from
//! the old one, a rename swap, the old table dropped, its grants given
//! again and the comments set. Redshift documents this as the way to
//! change what ALTER TABLE cannot
//! (<https://docs.aws.amazon.com/redshift/latest/dg/performing-a-deep-copy.html>).
//! A new table has no privileges of its own: GRANTs read from the live
//! table are issued again (the owner's are implicit).

use super::live::LiveTable;
use super::plan::{step, Safety, Step};
use super::types::zero_literal;
use crate::schema::{Column, Table};
use crate::sql::ddl::{comment_statements, create_table_named};
use crate::sql::{quote_ident, Dialect, IfNotExists};

/// The statements of a deep copy of `table`, all inside the transaction.
pub(super) fn steps(live: &LiveTable, table: &Table, dialect: Dialect) -> Vec<Step> {
    let new = format!("__dwh_new_{}", table.name);
    let old = format!("__dwh_old_{}", table.name);
    let t = quote_ident(table.name);
    let mut steps = vec![
        step(
            create_table_named(table, &new, dialect, IfNotExists::No),
            Safety::Rewrite,
            Some("deep copy: the table as declared, under a new name"),
        ),
        copy_rows(live, table, &new, dialect),
        step(
            format!("ALTER TABLE {t} RENAME TO {}", quote_ident(&old)),
            Safety::Rewrite,
            None,
        ),
        step(
            format!("ALTER TABLE {} RENAME TO {t}", quote_ident(&new)),
            Safety::Rewrite,
            None,
        ),
        step(
            format!("DROP TABLE {}", quote_ident(&old)),
            Safety::Rewrite,
            None,
        ),
    ];
    for grant in &live.grants {
        let sql = format!("GRANT {} ON {t} TO {}", grant.privilege, grant.grantee);
        steps.push(step(
            sql,
            Safety::Safe,
            Some("the old table's grant, again"),
        ));
    }
    if dialect == Dialect::Postgres {
        steps.extend(
            table
                .columns
                .iter()
                .filter(|c| c.identity)
                .map(|c| step(restart_identity(table, c), Safety::Safe, None)),
        );
    }
    steps.extend(
        comment_statements(table, dialect)
            .into_iter()
            .map(|sql| step(sql, Safety::Safe, None)),
    );
    steps
}

/// INSERT … SELECT of every row: kept columns (cast where the type
/// changed), new NOT NULL ones filled with the type's zero. Redshift's
/// `IDENTITY(0, 1)` takes no explicit values, so there it is generated
/// anew: destructive, since the surrogate keys change.
fn copy_rows(live: &LiveTable, table: &Table, new: &str, dialect: Dialect) -> Step {
    let mut names = Vec::new();
    let mut values = Vec::new();
    let mut regenerated = false;
    for column in table.columns {
        let found = live.column(column.name);
        if column.identity && (dialect == Dialect::Redshift || found.is_none()) {
            regenerated |= found.is_some();
            continue;
        }
        let c = quote_ident(column.name);
        let value = match found {
            Some(f) if f.ty == Some(column.ty) => c.clone(),
            Some(_) => format!("CAST({c} AS {})", column.ty),
            None if column.nullable => continue,
            None => zero_literal(column.ty).to_owned(),
        };
        names.push(c);
        values.push(value);
    }
    let sql = format!(
        "INSERT INTO {} ({}) SELECT {} FROM {}",
        quote_ident(new),
        names.join(", "),
        values.join(", "),
        quote_ident(table.name)
    );
    if regenerated {
        return step(
            sql,
            Safety::Destructive,
            Some("Redshift generates the IDENTITY values anew: surrogate keys change"),
        );
    }
    step(sql, Safety::Rewrite, None)
}

/// The copied IDENTITY column's sequence continues after the copied values.
fn restart_identity(table: &Table, column: &Column) -> String {
    format!(
        "SELECT setval(pg_get_serial_sequence({}, {}), COALESCE(MAX({}), 0) + 1, false) FROM {}",
        crate::sql::quote_literal(&quote_ident(table.name), Dialect::Postgres),
        crate::sql::quote_literal(column.name, Dialect::Postgres),
        quote_ident(column.name),
        quote_ident(table.name)
    )
}
