//! Mermaid `erDiagram` text (renders on GitHub, in mdBook, mermaid.live).

use std::fmt::Write;

use super::model::{edges, kind_name, physical_design, ColumnRoles, Edge, EdgeKind};
use crate::catalog::Schema;
use crate::schema::{Column, Table};

/// The schema as a Mermaid entity-relationship diagram.
///
/// Every table is an entity titled with its kind and physical design;
/// columns carry `PK`/`FK`/`UK` and a comment with the natural key,
/// IDENTITY, DISTKEY and SORTKEY roles. References are solid
/// (identifying) edges from dimension to fact; "loaded from" and lookup
/// edges from staging are dashed (non-identifying).
pub fn mermaid(schema: &Schema) -> String {
    let mut out = String::from("erDiagram\n");
    for table in schema.tables() {
        entity(&mut out, table);
    }
    for edge in edges(schema) {
        out.push_str(&relationship(&edge));
    }
    out
}

/// The left cardinality belongs to the first entity named.
fn relationship(edge: &Edge) -> String {
    let (from, to) = (entity_name(edge.from), entity_name(edge.to));
    match edge.kind {
        // Each fact row has one dimension row (zero or one when the column
        // is nullable); a dimension row has any number of facts.
        EdgeKind::Reference { column } => format!(
            "    {to} {}--o{{ {from} : {}\n",
            if column.nullable { "|o" } else { "||" },
            label(column.name)
        ),
        // A loaded row comes from one or more source rows; a source row
        // fills at most one (it may be filtered out).
        EdgeKind::LoadedFrom => format!("    {from} }}|..o| {to} : \"loaded from\"\n"),
        EdgeKind::Lookup { alias } => format!(
            "    {from} |o..o{{ {to} : {}\n",
            label(&format!("lookup {alias}"))
        ),
    }
}

fn entity(out: &mut String, table: &Table) {
    let title = format!(
        "{} ({}, {})",
        table.name,
        kind_name(table.kind),
        physical_design(table).join(", ")
    );
    let _ = writeln!(out, "    {}[{}] {{", entity_name(table), label(&title));
    for column in table.columns {
        let _ = writeln!(out, "        {}", attribute(table, column));
    }
    out.push_str("    }\n");
}

fn attribute(table: &Table, column: &Column) -> String {
    let roles = ColumnRoles::of(table, column);
    let sql_type = column.ty.to_string();
    let ty = word(&sql_type);
    let mut line = format!("{ty} {}", word(column.name));
    let mut keys = Vec::new();
    if roles.primary_key {
        keys.push("PK");
    }
    if roles.references.is_some() {
        keys.push("FK");
    }
    // A natural key that is not the primary key is a (composite) unique key.
    if roles.natural_key && !roles.primary_key {
        keys.push("UK");
    }
    if !keys.is_empty() {
        line.push(' ');
        line.push_str(&keys.join(", "));
    }
    let mut notes = Vec::new();
    // Spaces read fine as `_`; anything else lost (`NUMERIC(10,2)`) is kept.
    if ty != sql_type.replace(' ', "_") {
        notes.push(sql_type);
    }
    notes.extend(roles.notes());
    if let Some(target) = roles.references {
        notes.push(format!("references {}", target.name));
    }
    if !notes.is_empty() {
        let _ = write!(line, " {}", label(&notes.join(", ")));
    }
    line
}

/// Entity names are always quoted: bare words such as `u`, `one` or `to`
/// are relationship keywords to Mermaid's lexer.
fn entity_name(table: &Table) -> String {
    label(table.name)
}

/// A double-quoted string; Mermaid has no escapes, so quotes are dropped
/// (with `%` and `\`, which its quoted-name token refuses).
fn label(text: &str) -> String {
    let clean: String = text
        .chars()
        .filter(|c| !matches!(c, '"' | '%' | '\\' | '\n' | '\r'))
        .collect();
    format!("\"{clean}\"")
}

/// An attribute type or name: Mermaid takes letters, digits, `-`, `_`,
/// `(`, `)`, `[`, `]` only, so `DOUBLE PRECISION` becomes
/// `DOUBLE_PRECISION`.
fn word(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_()[]".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}
