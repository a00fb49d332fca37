//! Data-quality checks derived from the schema: natural keys unique, fact
//! references found in their dimensions, every source row loaded, and no
//! source row without a natural key.
//!
//! Each check can fail. NOT NULL columns get no check: both engines enforce
//! NOT NULL ("Amazon Redshift does enforce NOT NULL column constraints",
//! <https://docs.aws.amazon.com/redshift/latest/dg/t_Defining_constraints.html>).
//! The checks do not rely on declared keys either: the Redshift DDL declares
//! no PRIMARY KEY, UNIQUE or FOREIGN KEY that a check doubts (see
//! `sql::ddl`), since the planner trusts declared keys.

use serde::Serialize;
use tokio_postgres::GenericClient;

use crate::catalog::Schema;
use crate::schema::{Table, TableKind};
use crate::sql::checks as q;
use crate::warehouse::WarehouseError;

/// Offending keys listed per failed check.
pub const EXAMPLES: u32 = 5;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckResult {
    pub table: &'static str,
    /// What was checked, e.g. `natural key (user_id) is unique`.
    pub check: String,
    pub passed: bool,
    /// Offending rows, or for key checks the offending keys.
    pub failures: u64,
    /// Up to [`EXAMPLES`] offending keys with their counts.
    pub examples: Vec<String>,
}

impl CheckResult {
    /// One line for a failed check: table, check, how many offend, examples.
    pub fn describe(&self) -> String {
        let mut line = format!(
            "{}: {} ({} offending",
            self.table, self.check, self.failures
        );
        if !self.examples.is_empty() {
            line.push_str(&format!(": {}", self.examples.join("; ")));
        }
        line.push(')');
        line
    }
}

/// Runs every check of every dimension and fact table.
pub async fn run(
    client: &impl GenericClient,
    schema: &Schema,
) -> Result<Vec<CheckResult>, WarehouseError> {
    let mut results = Vec::new();
    for table in schema.transform_order() {
        results.push(unique_key(client, table).await?);
        for column in table.columns {
            if let Some(dimension) = column.references {
                results.push(references(client, table, column.name, dimension).await?);
            }
        }
        if let Some(sql) = q::missing_from_source(table) {
            let check = format!("every {} source row is loaded", source_name(table));
            results.push(listing_check(client, table, check, &sql).await?);
        }
        if let Some(sql) = q::keyless_source_rows(table) {
            let check = format!("no {} source row lacks the natural key", source_name(table));
            results.push(count_check(client, table, check, &sql).await?);
        }
    }
    Ok(results)
}

fn source_name(table: &Table) -> &'static str {
    table.load.map_or("", |l| l.source.name)
}

fn failed_sql(table: &Table, what: &str) -> impl FnOnce(tokio_postgres::Error) -> WarehouseError {
    let context = format!("checking `{}`: {what}", table.name);
    move |source| WarehouseError::Sql { context, source }
}

async fn count_check(
    client: &impl GenericClient,
    table: &'static Table,
    check: String,
    sql: &str,
) -> Result<CheckResult, WarehouseError> {
    let row = client
        .query_one(sql, &[])
        .await
        .map_err(failed_sql(table, &check))?;
    let failures = row.get::<_, i64>(0) as u64;
    Ok(CheckResult {
        table: table.name,
        check,
        passed: failures == 0,
        failures,
        examples: Vec::new(),
    })
}

/// A check whose query lists `(key, n)` of offenders: all are counted, the
/// first [`EXAMPLES`] shown (queried only when there are offenders: checks
/// are a noticeable part of a run).
async fn listing_check(
    client: &impl GenericClient,
    table: &'static Table,
    check: String,
    query: &str,
) -> Result<CheckResult, WarehouseError> {
    let (count_sql, examples_sql) = q::listing(query, EXAMPLES);
    let failures = client
        .query_one(&count_sql, &[])
        .await
        .map_err(failed_sql(table, &check))?
        .get::<_, i64>(0) as u64;
    let rows = if failures == 0 {
        Vec::new()
    } else {
        client
            .query(&examples_sql, &[])
            .await
            .map_err(failed_sql(table, &check))?
    };
    let examples: Vec<String> = rows
        .iter()
        .map(|r| {
            let key: Option<String> = r.get(0);
            format!(
                "{} ({}×)",
                key.as_deref().unwrap_or("NULL"),
                r.get::<_, i64>(1)
            )
        })
        .collect();
    Ok(CheckResult {
        table: table.name,
        check,
        passed: failures == 0,
        failures,
        examples,
    })
}

async fn unique_key(
    client: &impl GenericClient,
    table: &'static Table,
) -> Result<CheckResult, WarehouseError> {
    let check = format!("natural key ({}) is unique", table.natural_key.join(", "));
    listing_check(client, table, check, &q::duplicate_keys(table)).await
}

async fn references(
    client: &impl GenericClient,
    table: &'static Table,
    column: &str,
    dimension: &'static Table,
) -> Result<CheckResult, WarehouseError> {
    let key = dimension.primary_key.first().copied().unwrap_or(column);
    let check = format!("every `{column}` is in `{}`", dimension.name);
    debug_assert!(dimension.kind == TableKind::Dimension);
    listing_check(
        client,
        table,
        check,
        &q::orphans(table, column, dimension, key),
    )
    .await
}
