//! Data-quality checks derived from the schema: natural keys unique, fact
//! references found in their dimensions, every source row loaded, and no
//! source row without a natural key; for a keyless fact, instead of the
//! key checks, as many rows as filtered source rows.
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
use crate::schema::Table;
use crate::sql::checks as q;
use crate::sql::Dialect;
use crate::warehouse::WarehouseError;

/// Rendered with the checks (`sql::checks`), which must not import the
/// runner; still `dwh_core::checks::BATCH_ONLY` for callers.
pub use crate::sql::checks::BATCH_ONLY;

/// Offending keys listed per failed check.
pub const EXAMPLES: u32 = 5;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
/// The outcome of one data-quality check.
pub struct CheckResult {
    /// The table checked.
    pub table: &'static str,
    /// What was checked, e.g. `natural key (user_id) is unique`.
    pub check: String,
    /// Whether no row offended.
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
    dialect: Dialect,
) -> Result<Vec<CheckResult>, WarehouseError> {
    run_queries(client, &q::queries(schema, EXAMPLES), dialect).await
}

/// The rows the checks read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Scope<'a> {
    /// Every row: `dwh check`, and a run that loaded empty tables.
    #[default]
    Whole,
    /// After a run that only appended to the tables `appended`, a small
    /// batch (they had rows before it and it changed none of those:
    /// `pipeline::appended`): their checks that have a batch variant
    /// ([`q::CheckQuery::batch`], a fact's references to a dimension's own
    /// key, its late arrivals) read the rows whose key the latest batch
    /// holds, which include every row the run wrote, so a day's run costs
    /// what the day brings, not what the warehouse holds. The rows loaded
    /// before were checked by the runs that loaded them, and dwh's loads
    /// only add dimension rows (and versions, which the whole-table version
    /// checks keep gap-free), so those rows cannot lose their match. A
    /// check whose batch variant relies on tables the run `changed`
    /// ([`q::CheckQuery::batch_unless_changed`]: new songs may match plays
    /// kept unmatched before) reads every row, as does a run that changed a
    /// fact's earlier rows (late arrivals matched), and `dwh check`. A
    /// check with nothing to read in the batch ([`q::CheckQuery::whole_only`]:
    /// the kept row count against every row) is left to those.
    Appended {
        /// Tables the run only appended a small batch to.
        appended: &'a [&'a str],
        /// Tables whose rows the run changed or added to.
        changed: &'a [&'a str],
    },
}

impl Scope<'_> {
    /// Whether the run only appended a small batch to `table`.
    fn appended(&self, table: &Table) -> bool {
        matches!(self, Scope::Appended { appended, .. } if appended.contains(&table.name))
    }

    fn batch_of<'q>(&self, query: &'q q::CheckQuery) -> Option<&'q q::CheckSql> {
        match self {
            Scope::Appended { appended, changed }
                if appended.contains(&query.table.name)
                    && !query
                        .batch_unless_changed
                        .iter()
                        .any(|t| changed.contains(t)) =>
            {
                query.batch.as_ref()
            }
            _ => None,
        }
    }
}

/// Runs checks already rendered (see [`q::queries`]), in order, on an
/// engine of `dialect`, over every row. On PostgreSQL a check the engine
/// guarantees (its [`q::CheckQuery::proof`]) passes without running its
/// query.
pub async fn run_queries(
    client: &impl GenericClient,
    queries: &[q::CheckQuery],
    dialect: Dialect,
) -> Result<Vec<CheckResult>, WarehouseError> {
    run_scoped(client, queries, dialect, Scope::Whole).await
}

/// As [`run_queries`], over the rows `scope` says.
pub async fn run_scoped(
    client: &impl GenericClient,
    queries: &[q::CheckQuery],
    dialect: Dialect,
    scope: Scope<'_>,
) -> Result<Vec<CheckResult>, WarehouseError> {
    let missing = missing_bookkeeping(client, queries, dialect).await?;
    let mut results = Vec::with_capacity(queries.len());
    for query in queries {
        let left_out = query.whole_only && scope.appended(query.table)
            || query
                .reads_bookkeeping
                .is_some_and(|t| missing.contains(&t));
        if left_out {
            continue;
        }
        if let Some(batch) = scope.batch_of(query) {
            let check = format!("{}{BATCH_ONLY}", query.check);
            results.push(run_sql(client, query.table, check, batch).await?);
            continue;
        }
        let check = query.check.clone();
        if dialect == Dialect::Postgres && proven(client, query).await? {
            results.push(CheckResult {
                table: query.table.name,
                check,
                passed: true,
                failures: 0,
                examples: Vec::new(),
            });
            continue;
        }
        results.push(run_sql(client, query.table, check, &query.sql).await?);
    }
    Ok(results)
}

/// The bookkeeping tables some of `queries` read that the warehouse lacks
/// ([`q::CheckQuery::reads_bookkeeping`]).
async fn missing_bookkeeping(
    client: &impl GenericClient,
    queries: &[q::CheckQuery],
    dialect: Dialect,
) -> Result<Vec<&'static str>, WarehouseError> {
    let mut read: Vec<&'static str> = queries.iter().filter_map(|q| q.reads_bookkeeping).collect();
    read.sort_unstable();
    read.dedup();
    if read.is_empty() {
        return Ok(read);
    }
    let sql = crate::sql::registry::existing_relations(&read, dialect);
    let found: Vec<String> = client
        .query(&sql, &[])
        .await
        .map_err(WarehouseError::sql("looking for dwh's bookkeeping tables"))?
        .iter()
        .map(|row| row.get(0))
        .collect();
    read.retain(|t| !found.iter().any(|f| f == t));
    Ok(read)
}

async fn run_sql(
    client: &impl GenericClient,
    table: &'static Table,
    check: String,
    sql: &q::CheckSql,
) -> Result<CheckResult, WarehouseError> {
    match sql {
        q::CheckSql::Count(sql) => count_check(client, table, check, sql).await,
        q::CheckSql::Listing { count, examples } => {
            listing_check(client, table, check, count, examples).await
        }
    }
}

/// Whether the engine guarantees the check passes (PostgreSQL only).
async fn proven(
    client: &impl GenericClient,
    query: &q::CheckQuery,
) -> Result<bool, WarehouseError> {
    let Some(proof) = &query.proof else {
        return Ok(false);
    };
    let row = client
        .query_one(proof, &[])
        .await
        .map_err(failed_sql(query.table, &query.check))?;
    Ok(row.get::<_, i64>(0) > 0)
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
    count_sql: &str,
    examples_sql: &str,
) -> Result<CheckResult, WarehouseError> {
    let failures = client
        .query_one(count_sql, &[])
        .await
        .map_err(failed_sql(table, &check))?
        .get::<_, i64>(0) as u64;
    let rows = if failures == 0 {
        Vec::new()
    } else {
        client
            .query(examples_sql, &[])
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

/// Failed checks shown in one line, at most this many in full.
const FAILED_SHOWN: usize = 3;

/// `None` when every check passed, else one line: how many failed, and
/// which, with their offending keys.
pub fn failed_summary(results: &[CheckResult]) -> Option<String> {
    let failed: Vec<&CheckResult> = results.iter().filter(|c| !c.passed).collect();
    if failed.is_empty() {
        return None;
    }
    let mut shown: Vec<String> = failed
        .iter()
        .take(FAILED_SHOWN)
        .map(|c| c.describe())
        .collect();
    if failed.len() > FAILED_SHOWN {
        shown.push(format!("and {} more", failed.len() - FAILED_SHOWN));
    }
    let noun = if failed.len() == 1 { "check" } else { "checks" };
    Some(format!(
        "{} data-quality {noun} failed: {}",
        failed.len(),
        shown.join("; ")
    ))
}
