//! One page per table: its doc, columns with types, keys and sources,
//! physical design, load rules, checks and the DDL of both dialects.

use super::html::{doc, escape, Shell};
use super::lineage::load_rules;
use crate::diagram::{kind_name, physical_design, ColumnRoles};
use crate::project::Project;
use crate::schema::{Column, Fill, Table};
use crate::sql::checks::{CheckQuery, CheckSql};
use crate::sql::{create_table, Dialect, IfNotExists};

pub fn page(project: &Project, table: &Table, checks: &[CheckQuery], shell: &Shell) -> String {
    let mut body = format!(
        "<h1>{} <span class=\"badge\">{}</span></h1>\n<p class=\"muted\">Rust: <code>{}</code></p>\n{}",
        escape(table.name),
        kind_name(table.kind),
        escape(table.rust_name),
        doc(table.doc)
    );
    body.push_str("<h2>Columns</h2>\n");
    body.push_str(&columns(table));
    body.push_str("<h2>Physical design</h2>\n<ul>\n");
    for line in physical_design(table) {
        body.push_str(&format!("<li><code>{}</code></li>\n", escape(&line)));
    }
    body.push_str(
        "</ul>\n<p class=\"muted\">The reasons are in the table's doc comment above.</p>\n",
    );
    body.push_str("<h2>Load</h2>\n");
    body.push_str(&load_rules(project, table, "../"));
    body.push_str(&checks_section(table, checks));
    body.push_str("<h2>DDL</h2>\n");
    for (name, dialect) in [
        ("Redshift", Dialect::Redshift),
        ("PostgreSQL", Dialect::Postgres),
    ] {
        body.push_str(&format!(
            "<h3>{name}</h3>\n<pre><code>{}</code></pre>\n",
            escape(&create_table(table, dialect, IfNotExists::Yes))
        ));
    }
    shell.render(&body)
}

fn columns(table: &Table) -> String {
    let rows: String = table.columns.iter().map(|c| column_row(table, c)).collect();
    format!(
        "<div class=\"scroll\"><table class=\"columns\">\n<thead><tr><th>Column</th><th>SQL type</th><th>Rust type</th>\
         <th>NOT NULL</th><th>ENCODE</th><th>Keys</th><th>Source</th><th>Doc</th></tr></thead>\n<tbody>\n{rows}</tbody></table></div>\n"
    )
}

fn column_row(table: &Table, c: &Column) -> String {
    format!(
        "<tr id=\"col-{name}\"><td><code>{name}</code></td><td data-label=\"SQL\"><code>{ty}</code></td>\
         <td data-label=\"Rust\"><code>{rust}</code></td><td>{not_null}</td><td data-label=\"ENCODE\">{encode}</td>\
         <td data-label=\"Keys\">{keys}</td><td data-label=\"Source\">{source}</td><td>{doc}</td></tr>\n",
        name = escape(c.name),
        ty = escape(&c.ty.to_string()),
        rust = escape(c.rust_type),
        not_null = if c.nullable { "" } else { "NOT NULL" },
        encode = c.encode.map(|e| e.keyword()).unwrap_or(""),
        keys = keys(table, c),
        source = source(c),
        doc = doc(c.doc),
    )
}

fn keys(table: &Table, c: &Column) -> String {
    let roles = ColumnRoles::of(table, c);
    let mut keys = Vec::new();
    if roles.primary_key {
        keys.push("PK".to_owned());
    }
    keys.extend(roles.notes());
    let mut out = escape(&keys.join(", "));
    if let Some(dim) = roles.references {
        out.push_str(&format!(
            "{}FK → <a href=\"{}.html\">{}</a>",
            if keys.is_empty() { "" } else { ", " },
            escape(dim.name),
            escape(dim.name)
        ));
    }
    out
}

/// Where the value comes from: the JSON key (staging), the source or lookup
/// column, an expression, or the database (IDENTITY).
fn source(c: &Column) -> String {
    if c.identity {
        return "generated (IDENTITY)".to_owned();
    }
    if let Some(json) = c.json {
        let millis = if json.epoch_millis { " (epoch ms)" } else { "" };
        return format!("JSON <code>{}</code>{millis}", escape(json.key));
    }
    match c.fill {
        Fill::None => String::new(),
        Fill::Column(col) => format!("<code>{}</code>", escape(col)),
        Fill::Expr(expr) => format!("<code>{}</code>", escape(expr)),
    }
}

fn checks_section(table: &Table, checks: &[CheckQuery]) -> String {
    let mine: Vec<_> = checks
        .iter()
        .filter(|q| q.table.name == table.name)
        .collect();
    if mine.is_empty() {
        return String::new();
    }
    let mut out = String::from("<h2>Checks</h2>\n<ul class=\"checks\">\n");
    for q in mine {
        let sql = match &q.sql {
            CheckSql::Count(sql) => sql,
            CheckSql::Listing { count, .. } => count,
        };
        out.push_str(&format!(
            "<li><span class=\"check\">{}</span><pre><code>{}</code></pre></li>\n",
            escape(&q.check),
            escape(sql)
        ));
    }
    out.push_str("</ul>\n");
    out
}
