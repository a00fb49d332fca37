//! What differs between a live table and its struct.

use std::fmt;

use super::live::{LiveDist, LiveSortKey, LiveTable};
use super::step::Safety;
use super::types::widens;
use crate::schema::{Column, Encode, SqlType, Table};
use crate::sql::Dialect;

/// One difference between a live table and its struct.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A declared column the table lacks.
    AddColumn(&'static Column),
    /// A live column no field declares.
    DropColumn(String),
    /// A column whose live type is another.
    Retype {
        /// The declared column.
        column: &'static Column,
        /// The live type, as the catalog prints it.
        from: String,
        /// The live type, when dwh knows it.
        from_ty: Option<SqlType>,
    },
    /// A column whose NULL / NOT NULL differs; becomes the declared one.
    Nullability(&'static Column),
    /// A column that is IDENTITY on one side only.
    Identity(&'static Column),
    /// A live column with a DEFAULT, which dwh never declares: COPY would
    /// fill a field missing from a record with it where the local loader
    /// refuses the record (an older `dwh migrate` left such defaults).
    Default(&'static Column),
    /// A column whose declared ENCODE differs from the live one.
    Encode {
        /// The declared column.
        column: &'static Column,
        /// The declared encoding.
        to: Encode,
    },
    /// The columns are in another order than declared.
    Order,
    /// Another DISTSTYLE or DISTKEY.
    Dist {
        /// Live.
        from: LiveDist,
        /// Declared.
        to: LiveDist,
    },
    /// Another sort key.
    SortKey {
        /// Live.
        from: Option<LiveSortKey>,
        /// Declared.
        to: Option<LiveSortKey>,
    },
    /// Another table comment (the struct's doc comment).
    TableDoc(String),
    /// Another column comment (the field's doc comment).
    ColumnDoc(&'static Column),
}

/// The differences of `live` from `table`, columns first.
pub fn diff(live: &LiveTable, table: &Table, dialect: Dialect) -> Vec<Change> {
    let declared = LiveTable::declared(table, dialect);
    let mut changes = column_changes(live, table);
    if order_differs(live, table) {
        changes.push(Change::Order);
    }
    if let (Some(from), Some(to)) = (&live.dist, &declared.dist) {
        if from != to {
            changes.push(Change::Dist {
                from: from.clone(),
                to: to.clone(),
            });
        }
    }
    if dialect == Dialect::Redshift && live.sort_key != declared.sort_key {
        changes.push(Change::SortKey {
            from: live.sort_key.clone(),
            to: declared.sort_key,
        });
    }
    if live.doc != declared.doc {
        changes.push(Change::TableDoc(declared.doc));
    }
    changes
}

fn column_changes(live: &LiveTable, table: &Table) -> Vec<Change> {
    let mut changes: Vec<Change> = live
        .columns
        .iter()
        .filter(|c| table.column(&c.name).is_none())
        .map(|c| Change::DropColumn(c.name.clone()))
        .collect();
    for column in table.columns {
        let Some(found) = live.column(column.name) else {
            changes.push(Change::AddColumn(column));
            continue;
        };
        if found.ty != Some(column.ty) {
            changes.push(Change::Retype {
                column,
                from: found.type_name.clone(),
                from_ty: found.ty,
            });
        }
        if found.nullable != column.nullable {
            changes.push(Change::Nullability(column));
        }
        if found.identity != column.identity {
            changes.push(Change::Identity(column));
        }
        if found.default.is_some() && !column.identity {
            changes.push(Change::Default(column));
        }
        match (column.encode, live.dist.is_some()) {
            (Some(to), true) if found.encode != Some(to) => {
                changes.push(Change::Encode { column, to })
            }
            _ => {}
        }
        if found.doc != column.doc.trim() {
            changes.push(Change::ColumnDoc(column));
        }
    }
    changes
}

/// Whether the kept live columns, with the new ones appended (where ADD
/// COLUMN puts them), are out of the declared order.
pub(crate) fn order_differs(live: &LiveTable, table: &Table) -> bool {
    let mut after: Vec<&str> = live
        .columns
        .iter()
        .map(|c| c.name.as_str())
        .filter(|n| table.column(n).is_some())
        .collect();
    after.extend(
        table
            .columns
            .iter()
            .map(|c| c.name)
            .filter(|n| live.column(n).is_none()),
    );
    let declared: Vec<&str> = table.columns.iter().map(|c| c.name).collect();
    after != declared
}

impl Change {
    /// How risky the change is in itself (the plan may make it riskier,
    /// e.g. a deep copy that regenerates IDENTITY values).
    pub fn safety(&self) -> Safety {
        match self {
            Change::AddColumn(_)
            | Change::Default(_)
            | Change::TableDoc(_)
            | Change::ColumnDoc(_) => Safety::Safe,
            Change::DropColumn(_) => Safety::Destructive,
            Change::Retype {
                column, from_ty, ..
            } => match *from_ty {
                Some(from @ SqlType::Varchar(_)) if widens(from, column.ty) => Safety::Safe,
                Some(from) if widens(from, column.ty) => Safety::Rewrite,
                _ => Safety::Destructive,
            },
            Change::Nullability(c) if c.nullable => Safety::Safe,
            Change::Nullability(_)
            | Change::Identity(_)
            | Change::Encode { .. }
            | Change::Order
            | Change::Dist { .. }
            | Change::SortKey { .. } => Safety::Rewrite,
        }
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::AddColumn(c) => write!(f, "add column `{}` {}", c.name, c.ty),
            Change::DropColumn(c) => write!(f, "drop column `{c}` (its values are lost)"),
            Change::Retype { column, from, .. } => {
                write!(f, "column `{}`: {from} → {}", column.name, column.ty)
            }
            Change::Nullability(c) if c.nullable => write!(f, "column `{}`: allow NULL", c.name),
            Change::Nullability(c) => write!(
                f,
                "column `{}`: NOT NULL (fails if a row holds NULL)",
                c.name
            ),
            Change::Identity(c) => write!(f, "column `{}`: IDENTITY changes", c.name),
            Change::Default(c) => write!(f, "column `{}`: drop its DEFAULT", c.name),
            Change::Encode { column, to } => {
                write!(f, "column `{}`: ENCODE {}", column.name, to.keyword())
            }
            Change::Order => f.write_str("columns in the declared order"),
            Change::Dist { from, to } => write!(f, "DISTSTYLE {} → {}", dist(from), dist(to)),
            Change::SortKey { from, to } => {
                write!(f, "SORTKEY {} → {}", sort(from), sort(to))
            }
            Change::TableDoc(_) => f.write_str("table comment"),
            Change::ColumnDoc(c) => write!(f, "column `{}`: comment", c.name),
        }
    }
}

fn dist(d: &LiveDist) -> String {
    match d {
        LiveDist::Auto => "AUTO".into(),
        LiveDist::Even => "EVEN".into(),
        LiveDist::All => "ALL".into(),
        LiveDist::Key(k) => format!("KEY({k})"),
    }
}

fn sort(s: &Option<LiveSortKey>) -> String {
    match s {
        None => "none".into(),
        Some(k) => format!(
            "{}({})",
            match k.style {
                crate::schema::SortStyle::Compound => "COMPOUND",
                crate::schema::SortStyle::Interleaved => "INTERLEAVED",
            },
            k.columns.join(", ")
        ),
    }
}
