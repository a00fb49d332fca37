//! What every diagram shows: the edges between tables, each column's
//! roles, table kinds and physical design.

use crate::catalog::Schema;
use crate::schema::{Column, DistStyle, SortStyle, Table, TableKind};

/// How one table is tied to another in the diagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EdgeKind {
    /// A fact column referring to a dimension's primary key.
    Reference {
        /// The fact column holding the reference.
        column: &'static Column,
    },
    /// A dimension or fact filled from a staging table (`source = …`).
    LoadedFrom,
    /// A table a fact load joins to look values up (`lookup(…)`).
    Lookup {
        /// The alias the lookup is joined as.
        alias: &'static str,
    },
}

/// An edge of the diagram: references point from the fact to the
/// dimension, loads and lookups from the table read to the table filled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edge {
    /// The table the edge starts at.
    pub from: &'static Table,
    /// The table the edge points to.
    pub to: &'static Table,
    /// What ties them.
    pub kind: EdgeKind,
}

/// Every edge of `schema`: loads first, then references, in table order.
pub fn edges(schema: &Schema) -> Vec<Edge> {
    let mut out = Vec::new();
    for &table in schema.tables() {
        if let Some(load) = &table.load {
            out.push(Edge {
                from: load.source,
                to: table,
                kind: EdgeKind::LoadedFrom,
            });
            let looked_up = load.lookups.iter().flat_map(|l| {
                std::iter::once((l.table, l.alias))
                    .chain(l.joins.iter().map(|j| (j.table, j.alias)))
            });
            out.extend(looked_up.map(|(from, alias)| Edge {
                from,
                to: table,
                kind: EdgeKind::Lookup { alias },
            }));
        }
    }
    for &table in schema.tables() {
        out.extend(table.columns.iter().filter_map(|c| {
            c.references.map(|target| Edge {
                from: table,
                to: target,
                kind: EdgeKind::Reference { column: c },
            })
        }));
    }
    out
}

/// The keys and physical-design roles of one column, as short labels:
/// `PK`, `natural key`, `IDENTITY`, `DISTKEY`, `SORTKEY 1`, `FK → users`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnRoles {
    /// Part of the primary key.
    pub primary_key: bool,
    /// Part of the natural key.
    pub natural_key: bool,
    /// A database-generated IDENTITY column.
    pub identity: bool,
    /// The table's DISTKEY.
    pub dist_key: bool,
    /// 1-based position in the sort key.
    pub sort_key: Option<usize>,
    /// The dimension this column refers to.
    pub references: Option<&'static Table>,
}

impl ColumnRoles {
    /// The roles `column` plays in `table`.
    pub fn of(table: &Table, column: &Column) -> ColumnRoles {
        ColumnRoles {
            primary_key: table.primary_key.contains(&column.name),
            natural_key: table.natural_key.contains(&column.name),
            identity: column.identity,
            dist_key: table.dist_key == Some(column.name),
            sort_key: table
                .sort_key
                .and_then(|s| s.columns.iter().position(|c| *c == column.name))
                .map(|i| i + 1),
            references: column.references,
        }
    }

    /// The roles other than PK/FK, which diagrams mark in their own way.
    pub fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if self.natural_key {
            notes.push("natural key".to_owned());
        }
        if self.identity {
            notes.push("IDENTITY".to_owned());
        }
        if self.dist_key {
            notes.push("DISTKEY".to_owned());
        }
        if let Some(i) = self.sort_key {
            notes.push(format!("SORTKEY {i}"));
        }
        notes
    }
}

/// `staging`, `dimension` or `fact`.
pub fn kind_name(kind: TableKind) -> &'static str {
    match kind {
        TableKind::Staging => "staging",
        TableKind::Dimension => "dimension",
        TableKind::Fact => "fact",
    }
}

/// The table's distribution and sort key in Redshift terms, e.g.
/// `["DISTSTYLE KEY (start_time)", "COMPOUND SORTKEY (start_time)"]`.
pub fn physical_design(table: &Table) -> Vec<String> {
    let style = match table.dist_style {
        DistStyle::Auto => "AUTO",
        DistStyle::Even => "EVEN",
        DistStyle::All => "ALL",
        DistStyle::Key => "KEY",
    };
    let mut out = vec![match table.dist_key {
        Some(key) => format!("DISTSTYLE {style} ({key})"),
        None => format!("DISTSTYLE {style}"),
    }];
    if let Some(sort) = &table.sort_key {
        let style = match sort.style {
            SortStyle::Compound => "COMPOUND",
            SortStyle::Interleaved => "INTERLEAVED",
        };
        out.push(format!("{style} SORTKEY ({})", sort.columns.join(", ")));
    }
    out
}
