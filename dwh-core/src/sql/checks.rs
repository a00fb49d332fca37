//! Data-quality queries derived from the schema.

use super::ident::quote_ident;
use super::transform::{fill_expr, select_new_rows};
use crate::schema::Table;

fn key_list(table: &Table) -> String {
    table
        .natural_key
        .iter()
        .map(|k| quote_ident(k))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Natural keys that occur more than once: `(key, n)` rows.
pub fn duplicate_keys(table: &Table) -> String {
    let keys = key_list(table);
    let key_text = table
        .natural_key
        .iter()
        .map(|k| format!("CAST({} AS VARCHAR(512))", quote_ident(k)))
        .collect::<Vec<_>>()
        .join(" || ', ' || ");
    format!(
        "SELECT {key_text} AS key, COUNT(*) AS n FROM {t} GROUP BY {keys} HAVING COUNT(*) > 1",
        t = quote_ident(table.name)
    )
}

/// NULLs in a NOT NULL column: one row, one count.
pub fn nulls_in(table: &Table, column: &str) -> String {
    format!(
        "SELECT COUNT(*) AS n FROM {} WHERE {} IS NULL",
        quote_ident(table.name),
        quote_ident(column)
    )
}

/// Fact values with no matching dimension row: `(key, n)` rows.
pub fn orphans(fact: &Table, column: &str, dimension: &Table, key: &str) -> String {
    let (col, key) = (quote_ident(column), quote_ident(key));
    format!(
        "SELECT CAST(f.{col} AS VARCHAR(512)) AS key, COUNT(*) AS n FROM {fact} AS f \
         LEFT JOIN {dim} AS d ON f.{col} = d.{key} \
         WHERE f.{col} IS NOT NULL AND d.{key} IS NULL \
         GROUP BY f.{col}",
        fact = quote_ident(fact.name),
        dim = quote_ident(dimension.name),
    )
}

/// How many `(key, n)` rows a listing query returns, and the first `limit`
/// of them, most frequent first.
pub fn listing(query: &str, limit: u32) -> (String, String) {
    (
        format!("SELECT COUNT(*) AS n FROM ({query}) AS offenders"),
        format!("SELECT key, n FROM ({query}) AS offenders ORDER BY n DESC, key LIMIT {limit}"),
    )
}

/// Source rows (after the load's filter) whose key is not in the table:
/// what the last load should have brought but did not. One count.
pub fn missing_from_source(table: &Table) -> Option<String> {
    let load = table.load.as_ref()?;
    let on = table
        .natural_key
        .iter()
        .map(|k| format!("t.{k} = n.{k}", k = quote_ident(k)))
        .collect::<Vec<_>>()
        .join(" AND ");
    Some(format!(
        "SELECT COUNT(*) AS n FROM (\n{}\n) AS n WHERE NOT EXISTS (SELECT 1 FROM {} AS t WHERE {on})",
        select_new_rows(table, load),
        quote_ident(table.name)
    ))
}

/// Source rows (after the filter) that have no natural key and so cannot
/// be loaded. One count.
pub fn keyless_source_rows(table: &Table) -> Option<String> {
    let load = table.load.as_ref()?;
    let nulls = table
        .natural_key
        .iter()
        .filter_map(|k| table.column(k))
        .filter_map(|c| fill_expr(c.fill))
        .map(|e| format!("{e} IS NULL"))
        .collect::<Vec<_>>();
    if nulls.is_empty() {
        return None;
    }
    let mut sql = format!(
        "SELECT COUNT(*) AS n FROM {} AS src WHERE ({})",
        quote_ident(load.source.name),
        nulls.join(" OR ")
    );
    if let Some(filter) = load.filter {
        sql.push_str(&format!(" AND ({filter})"));
    }
    Some(sql)
}
