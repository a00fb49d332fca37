//! `lineage.html`: staging files → staging tables → dimensions and facts,
//! with each load's rules (filter, de-duplication order, lookups).

use super::html::{escape, Shell};
use super::table_href;
use crate::diagram::kind_name;
use crate::project::Project;
use crate::schema::{Load, Lookup, Table, TableKind};

pub fn page(project: &Project, shell: &Shell) -> String {
    let mut body = String::from(
        "<h1>Lineage</h1>\n<p class=\"muted\">Where every table's rows come from, in load order.</p>\n\
         <h2>Files → staging tables</h2>\n<ul class=\"flow\">\n",
    );
    for t in project.schema().of_kind(TableKind::Staging) {
        body.push_str(&format!(
            "<li><a href=\"{}\">{}</a>{}</li>\n",
            table_href(t),
            escape(t.name),
            load_rules(project, t, "")
        ));
    }
    body.push_str("</ul>\n<h2>Staging → dimensions and facts</h2>\n<ul class=\"flow\">\n");
    for t in project.schema().transform_order() {
        body.push_str(&format!(
            "<li><a href=\"{}\">{}</a> <span class=\"badge\">{}</span>{}</li>\n",
            table_href(t),
            escape(t.name),
            kind_name(t.kind),
            load_rules(project, t, "")
        ));
    }
    body.push_str("</ul>\n");
    shell.render(&body)
}

/// How `table` is filled, as a list: its files (staging) or its source
/// table, filter, de-duplication order and lookups. `root` leads from the
/// page the list is on to the site root.
pub fn load_rules(project: &Project, table: &Table, root: &str) -> String {
    let mut items = Vec::new();
    for s in project
        .sources()
        .iter()
        .filter(|s| s.table.name == table.name)
    {
        items.push(format!(
            "files <code>{}/{}</code>",
            escape(&s.dir),
            escape(s.pattern.as_str())
        ));
    }
    if let Some(load) = &table.load {
        load_items(table, load, root, &mut items);
    }
    if items.is_empty() {
        return "<p class=\"muted\">Not loaded by dwh.</p>\n".to_owned();
    }
    let items: String = items.iter().map(|i| format!("<li>{i}</li>\n")).collect();
    format!("<ul class=\"rules\">\n{items}</ul>\n")
}

/// A link to `table`'s page from a page `root` below the site root.
fn link(table: &Table, root: &str) -> String {
    format!(
        "<a href=\"{root}{}\">{}</a>",
        table_href(table),
        escape(table.name)
    )
}

/// The rules of a star-schema table's load: source, filter, one row per
/// key, the order that picks it, and each lookup.
fn load_items(table: &Table, load: &Load, root: &str, items: &mut Vec<String>) {
    items.push(format!(
        "from {} (as <code>src</code>)",
        link(load.source, root)
    ));
    if let Some(filter) = load.filter {
        items.push(format!("filter <code>{}</code>", escape(filter)));
    }
    if !table.natural_key.is_empty() {
        items.push(format!(
            "one row per <code>{}</code>",
            escape(&table.natural_key.join(", "))
        ));
    }
    if let Some(latest) = load.latest_by {
        items.push(format!("latest by <code>{}</code> wins", escape(latest)));
    }
    if let Some(tie) = load.tie_break {
        items.push(format!("ties broken by <code>{}</code>", escape(tie)));
    }
    items.extend(load.lookups.iter().map(|l| lookup_item(l, root)));
}

/// One lookup: its table and alias, the tables joined to it, and the
/// whole join condition (the lookup's own pairs, then each join's).
fn lookup_item(lookup: &Lookup, root: &str) -> String {
    let pairs = |alias: &str, pairs: &[(&str, &str)]| -> Vec<String> {
        pairs
            .iter()
            .map(|(col, expr)| format!("{alias}.{col} = {expr}"))
            .collect()
    };
    let mut on = pairs(lookup.alias, lookup.on);
    let mut joined = String::new();
    for j in lookup.joins {
        on.extend(pairs(j.alias, j.on));
        joined.push_str(&format!(
            " joined with {} as <code>{}</code> on <code>{}</code>",
            link(j.table, root),
            escape(j.alias),
            escape(&pairs(j.alias, j.key).join(" AND "))
        ));
    }
    format!(
        "lookup {} as <code>{}</code>{joined} on <code>{}</code>",
        link(lookup.table, root),
        escape(lookup.alias),
        escape(&on.join(" AND "))
    )
}
