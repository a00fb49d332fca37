//! Data-quality queries derived from the schema.

use super::ident::quote_ident;
use super::transform::{fill_expr, select_new_rows};
use crate::catalog::Schema;
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

/// How a check's query reports offenders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckSql {
    /// One row, one BIGINT: offending rows.
    Count(String),
    /// Offending `(key, n)` rows: how many, and the first few.
    Listing { count: String, examples: String },
}

/// One data-quality check, rendered: what it checks and its SQL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckQuery {
    pub table: &'static Table,
    /// What is checked, e.g. `natural key (user_id) is unique`.
    pub check: String,
    pub sql: CheckSql,
}

/// Every check of every dimension and fact table of `schema`, in the order
/// they run; `examples` offending keys are listed per failed listing check.
pub fn queries(schema: &Schema, examples: u32) -> Vec<CheckQuery> {
    let mut out = Vec::new();
    for table in schema.transform_order() {
        let mut push = |check: String, sql: CheckSql| out.push(CheckQuery { table, check, sql });
        let listing = |query: &str| {
            let (count, examples) = listing(query, examples);
            CheckSql::Listing { count, examples }
        };
        let keys = table.natural_key.join(", ");
        push(
            format!("natural key ({keys}) is unique"),
            listing(&duplicate_keys(table)),
        );
        for column in table.columns.iter().filter(|c| !c.nullable) {
            push(
                format!("`{}` has no NULLs", column.name),
                CheckSql::Count(nulls_in(table, column.name)),
            );
        }
        for column in table.columns {
            if let Some(dimension) = column.references {
                let key = dimension
                    .primary_key
                    .first()
                    .copied()
                    .unwrap_or(column.name);
                push(
                    format!("every `{}` is in `{}`", column.name, dimension.name),
                    listing(&orphans(table, column.name, dimension, key)),
                );
            }
        }
        let source = table.load.map_or("", |l| l.source.name);
        if let Some(sql) = missing_from_source(table) {
            push(
                format!("every {source} source row is loaded"),
                CheckSql::Count(sql),
            );
        }
        if let Some(sql) = keyless_source_rows(table) {
            push(
                format!("no {source} source row lacks the natural key"),
                CheckSql::Count(sql),
            );
        }
    }
    out
}
