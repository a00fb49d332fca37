//! Data-quality queries derived from the schema.

use super::ident::quote_ident;
use super::transform::{lookup_on, stored_expr};
use crate::schema::{Load, Table};

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

/// The natural key's source expressions of a loaded table, in key order.
fn key_exprs(table: &Table) -> Vec<String> {
    table
        .natural_key
        .iter()
        .filter_map(|k| table.column(k))
        .filter_map(|c| stored_expr(table, c))
        .collect()
}

/// `FROM source AS src`, with the lookups `exprs` use joined, and `WHERE`
/// the load's filter plus `conditions`: the source rows as the load sees
/// them, without its de-duplication.
fn source_rows(load: &Load, exprs: &[String], mut conditions: Vec<String>) -> String {
    let mut sql = format!("FROM {} AS src", quote_ident(load.source.name));
    for lookup in load.lookups {
        let alias = quote_ident(lookup.alias);
        let prefix = format!("{alias}.");
        if !exprs.iter().any(|e| e.contains(&prefix)) {
            continue;
        }
        sql.push_str(&format!(
            " LEFT JOIN {} AS {alias} ON {}",
            quote_ident(lookup.table.name),
            lookup_on(lookup)
        ));
    }
    if let Some(filter) = load.filter {
        conditions.insert(0, format!("({filter})"));
    }
    if !conditions.is_empty() {
        sql.push_str(&format!(" WHERE {}", conditions.join(" AND ")));
    }
    sql
}

/// Natural keys of the source rows (after the load's filter) that are not in
/// the table: what the loads should have brought but did not. `(key, n)`
/// rows, `n` source rows each.
///
/// An anti-join of the filtered source rows on the key expressions, not the
/// loader's own row selection (its ROW_NUMBER de-duplication): a fault in
/// that selection must not hide itself, and the anti-join is cheaper.
pub fn missing_from_source(table: &Table) -> Option<String> {
    let load = table.load.as_ref()?;
    let exprs = key_exprs(table);
    if exprs.is_empty() || exprs.len() != table.natural_key.len() {
        return None;
    }
    let on = table
        .natural_key
        .iter()
        .zip(&exprs)
        .map(|(k, e)| format!("t.{} = {e}", quote_ident(k)))
        .collect::<Vec<_>>()
        .join(" AND ");
    let mut conditions: Vec<String> = exprs.iter().map(|e| format!("{e} IS NOT NULL")).collect();
    conditions.push(format!(
        "NOT EXISTS (SELECT 1 FROM {} AS t WHERE {on})",
        quote_ident(table.name)
    ));
    let key_text = exprs
        .iter()
        .map(|e| format!("CAST({e} AS VARCHAR(512))"))
        .collect::<Vec<_>>()
        .join(" || ', ' || ");
    Some(format!(
        "SELECT {key_text} AS key, COUNT(*) AS n {} GROUP BY {}",
        source_rows(load, &exprs, conditions),
        exprs.join(", ")
    ))
}

/// Source rows (after the filter) that have no natural key and so cannot
/// be loaded. One count.
pub fn keyless_source_rows(table: &Table) -> Option<String> {
    let load = table.load.as_ref()?;
    let exprs = key_exprs(table);
    if exprs.is_empty() {
        return None;
    }
    let nulls = exprs
        .iter()
        .map(|e| format!("{e} IS NULL"))
        .collect::<Vec<_>>()
        .join(" OR ");
    Some(format!(
        "SELECT COUNT(*) AS n {}",
        source_rows(load, &exprs, vec![format!("({nulls})")])
    ))
}
