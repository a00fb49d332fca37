//! Graphviz DOT (`dot -Tsvg star-schema.dot > star-schema.svg`).

use std::fmt::Write;

use super::model::{edges, kind_name, physical_design, ColumnRoles, Edge, EdgeKind};
use crate::catalog::Schema;
use crate::schema::{Column, Table, TableKind};

/// The schema as a Graphviz digraph.
///
/// Each table is an HTML-like record: a header with its name, kind and
/// Rust type, one row per column (name, SQL type, keys and roles, ENCODE)
/// and a footer with its DISTSTYLE and SORTKEY. References run from the
/// fact column to the dimension key in crow's-foot notation; "loaded from"
/// edges are dashed and lookups dotted, with the filter or join condition
/// as tooltip.
pub fn dot(schema: &Schema) -> String {
    let mut out = String::from("digraph star_schema {\n");
    out.push_str(
        "    graph [rankdir=LR, fontname=\"Helvetica\", nodesep=0.4, ranksep=1.2];\n\
         \x20   node [shape=plain, fontname=\"Helvetica\", fontsize=10];\n\
         \x20   edge [fontname=\"Helvetica\", fontsize=9];\n",
    );
    for table in schema.tables() {
        node(&mut out, table);
    }
    for edge in edges(schema) {
        out.push_str(&edge_line(&edge));
    }
    out.push_str("}\n");
    out
}

fn edge_line(edge: &Edge) -> String {
    let (from, to) = (quoted(edge.from.name), quoted(edge.to.name));
    match edge.kind {
        EdgeKind::Reference { column } => {
            let key = edge.to.primary_key.first().copied().unwrap_or(column.name);
            format!(
                "    {from}:{}:e -> {to}:{}:w [label={}, dir=both, arrowtail=crowodot, arrowhead={}, color=\"#1f4e79\"];\n",
                quoted(&out_port(column.name)),
                quoted(key),
                quoted(column.name),
                // Exactly one dimension row, or zero or one when nullable.
                if column.nullable { "teeodot" } else { "teetee" },
            )
        }
        EdgeKind::LoadedFrom => {
            let load = edge.to.load.as_ref();
            let mut tip = Vec::new();
            if let Some(filter) = load.and_then(|l| l.filter) {
                tip.push(format!("WHERE {filter}"));
            }
            if let Some(latest) = load.and_then(|l| l.latest_by) {
                tip.push(format!("latest by {latest}"));
            }
            if let Some(tie) = load.and_then(|l| l.tie_break) {
                tip.push(format!("ties by {tie}"));
            }
            format!(
                "    {from} -> {to} [label=\"loaded from\", style=dashed, color=gray45, fontcolor=gray35, tooltip={}];\n",
                quoted(&tip.join("; "))
            )
        }
        EdgeKind::Lookup { alias } => {
            let on = edge
                .to
                .load
                .iter()
                .flat_map(|l| l.lookups)
                .filter(|l| l.alias == alias)
                .flat_map(|l| l.on)
                .map(|(col, expr)| format!("{alias}.{col} = {expr}"))
                .collect::<Vec<_>>()
                .join(" AND ");
            format!(
                "    {from} -> {to} [label={}, style=dotted, color=gray45, fontcolor=gray35, tooltip={}];\n",
                quoted(&format!("lookup {alias}")),
                quoted(&on)
            )
        }
    }
}

fn node(out: &mut String, table: &Table) {
    let cells = Cells::of(table);
    let span = cells.count();
    let header = match table.kind {
        TableKind::Staging => "#d9d9d9",
        TableKind::Dimension => "#bdd7ee",
        TableKind::Fact => "#f8cbad",
    };
    let _ = writeln!(
        out,
        "    {} [label=<\n      <TABLE BORDER=\"0\" CELLBORDER=\"1\" CELLSPACING=\"0\" CELLPADDING=\"4\">\n        \
         <TR><TD COLSPAN=\"{span}\" BGCOLOR=\"{header}\"><B>{}</B><BR/><FONT POINT-SIZE=\"8\">{} · {}</FONT></TD></TR>",
        quoted(table.name),
        html(table.name),
        kind_name(table.kind),
        html(table.rust_name),
    );
    for column in table.columns {
        let _ = writeln!(out, "        {}", row(table, column, cells));
    }
    let design: String = physical_design(table)
        .iter()
        .map(|line| format!("{}<BR ALIGN=\"LEFT\"/>", html(line)))
        .collect();
    let _ = writeln!(
        out,
        "        <TR><TD COLSPAN=\"{span}\" ALIGN=\"LEFT\" BGCOLOR=\"#f2f2f2\"><FONT POINT-SIZE=\"8\">{design}</FONT></TD></TR>\n      </TABLE>>];"
    );
}

/// The optional cells of a table's rows: a staging table has neither keys
/// nor encodings, and empty columns would only widen it.
#[derive(Debug, Clone, Copy)]
struct Cells {
    roles: bool,
    encode: bool,
}

impl Cells {
    fn of(table: &Table) -> Cells {
        Cells {
            roles: table.columns.iter().any(|c| !roles(table, c).is_empty()),
            encode: table.columns.iter().any(|c| c.encode.is_some()),
        }
    }

    fn count(self) -> usize {
        2 + usize::from(self.roles) + usize::from(self.encode)
    }
}

/// Keys and roles: `PK`, `FK → users`, `natural key`, `DISTKEY`, …
pub(super) fn roles(table: &Table, column: &Column) -> Vec<String> {
    let roles = ColumnRoles::of(table, column);
    let mut keys = Vec::new();
    if roles.primary_key {
        keys.push("PK".to_owned());
    }
    if let Some(target) = roles.references {
        keys.push(format!("FK → {}", target.name));
    }
    keys.extend(roles.notes());
    keys
}

/// One column: name (bold when in the primary key), type, keys and
/// roles, encoding.
fn row(table: &Table, column: &Column, cells: Cells) -> String {
    let cell = |content: &str| format!("<TD ALIGN=\"LEFT\">{content}</TD>");
    let last = |content: &str| {
        format!(
            "<TD PORT={} ALIGN=\"LEFT\">{content}</TD>",
            quoted(&out_port(column.name))
        )
    };
    let name = if table.primary_key.contains(&column.name) {
        format!("<B>{}</B>", html(column.name))
    } else {
        html(column.name)
    };
    let mut ty = column.ty.to_string();
    if !column.nullable {
        ty.push_str(" NOT NULL");
    }
    let mut cells_text = vec![html(&ty)];
    if cells.roles {
        cells_text.push(html(&roles(table, column).join(", ")));
    }
    if cells.encode {
        // Graphviz rejects an empty <FONT>, so the cell stays bare without ENCODE.
        cells_text.push(
            column
                .encode
                .map(|e| format!("<FONT COLOR=\"gray40\">ENCODE {}</FONT>", e.keyword()))
                .unwrap_or_default(),
        );
    }
    let (rest, end) = cells_text.split_at(cells_text.len() - 1);
    format!(
        "<TR><TD PORT={} ALIGN=\"LEFT\">{name}</TD>{}{}</TR>",
        quoted(column.name),
        rest.iter().map(|c| cell(c)).collect::<String>(),
        last(&end[0]),
    )
}

/// The port of a column's last cell, where edges leave eastwards (`.`
/// cannot occur in a column name, so it never clashes with one).
fn out_port(column: &str) -> String {
    format!("{column}.out")
}

/// A DOT double-quoted ID.
fn quoted(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Text inside an HTML-like label.
fn html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
