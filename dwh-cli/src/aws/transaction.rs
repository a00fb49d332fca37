//! Executes the run transaction rendered by `dwh_core::sql::redshift`, in
//! order, one progress step per part (create, staging, star schema,
//! commit), reading back what the statements' [`Action`]s ask for. Nothing
//! here writes SQL.

use std::time::Instant;

use anyhow::Context;
use dwh_core::sql::redshift::{Action, RedshiftRun, RunStatement, Step};
use dwh_core::warehouse::TransformReport;
use tokio_postgres::Client;

use super::copy::{db_error, explain, CopyFailed};
use crate::commands::run::Run;

/// What the transaction loaded: rows per staging table, and each star
/// table's rows before and after.
#[derive(Debug, Default)]
pub struct Loaded {
    pub staged: Vec<(&'static str, u64)>,
    pub transform: Vec<TransformReport>,
    before: Option<(u64, Instant)>,
    /// Declared tables that exist, read before the ownership check.
    existing: Vec<String>,
}

fn step_name(step: Step) -> &'static str {
    match step {
        Step::Begin | Step::Lock | Step::Create => "create tables",
        Step::Staging => "load staging (COPY from S3)",
        Step::StarSchema => "build star schema",
        Step::Commit => "commit",
    }
}

/// Runs `plan.transaction`; on any error rolls back (a failed COPY is
/// explained from its load errors first), so the warehouse is unchanged.
pub async fn execute(
    run: &mut Run,
    client: &Client,
    database: &str,
    plan: &RedshiftRun,
) -> anyhow::Result<Loaded> {
    let mut loaded = Loaded::default();
    let statements = &plan.transaction;
    let mut start = 0;
    while start < statements.len() {
        let name = step_name(statements[start].step);
        let end = statements[start..]
            .iter()
            .position(|s| step_name(s.step) != name)
            .map_or(statements.len(), |n| start + n);
        let part = &statements[start..end];
        let result = run
            .step(name, |rows: &Option<u64>| *rows, async {
                let (staged, tables) = (loaded.staged.len(), loaded.transform.len());
                for statement in part {
                    execute_one(client, statement, plan, database, &mut loaded).await?;
                }
                Ok(rows_of(name, &loaded, staged, tables))
            })
            .await;
        if let Err(e) = result {
            // Already rolled back after a failed COPY; otherwise the
            // transaction is aborted and this ends it.
            let _ = client.batch_execute("ROLLBACK").await;
            return Err(e);
        }
        start = end;
    }
    Ok(loaded)
}

/// The rows a step reports: tables created, rows copied, rows added.
fn rows_of(name: &str, loaded: &Loaded, staged: usize, tables: usize) -> Option<u64> {
    match name {
        "load staging (COPY from S3)" => Some(loaded.staged[staged..].iter().map(|s| s.1).sum()),
        "build star schema" => Some(
            loaded.transform[tables..]
                .iter()
                .map(|t| t.rows_after.saturating_sub(t.rows_before))
                .sum(),
        ),
        _ => None,
    }
}

async fn names(client: &Client, statement: &RunStatement) -> anyhow::Result<Vec<String>> {
    let rows = client
        .query(&statement.sql, &[])
        .await
        .with_context(|| format!("Redshift run, `{}`", statement.label))?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

async fn count(client: &Client, statement: &RunStatement) -> anyhow::Result<u64> {
    let row = client
        .query_one(&statement.sql, &[])
        .await
        .with_context(|| format!("Redshift run, `{}`", statement.label))?;
    Ok(row.get::<_, i64>(0).max(0) as u64)
}

async fn execute_one(
    client: &Client,
    statement: &RunStatement,
    plan: &RedshiftRun,
    database: &str,
    loaded: &mut Loaded,
) -> anyhow::Result<()> {
    match statement.action {
        Action::Execute => client
            .batch_execute(&statement.sql)
            .await
            .with_context(|| format!("Redshift run, `{}`", statement.label))?,
        Action::Copy(table) => {
            if let Err(e) = client.batch_execute(&statement.sql).await {
                // The COPY's query id outlives the rollback; its load
                // errors are looked up by it.
                let _ = client.batch_execute("ROLLBACK").await;
                let details = explain(client, table, &plan.load_errors).await;
                return Err(CopyFailed {
                    table: table.name,
                    error: db_error(&e),
                    details,
                }
                .into());
            }
        }
        Action::ExistingTables => loaded.existing = names(client, statement).await?,
        Action::RegisteredTables => {
            let registered = names(client, statement).await?;
            let existing = std::mem::take(&mut loaded.existing);
            dwh_core::warehouse::check_owned(database, existing, registered)?;
        }
        Action::CopiedRows(table) => {
            let rows = count(client, statement).await?;
            loaded.staged.push((table.name, rows));
        }
        Action::RowsBefore(_) => {
            loaded.before = Some((count(client, statement).await?, Instant::now()));
        }
        Action::RowsAfter(table) => {
            let (rows_before, started) = loaded.before.take().unwrap_or((0, Instant::now()));
            loaded.transform.push(TransformReport {
                table: table.name,
                rows_before,
                rows_after: count(client, statement).await?,
                duration: started.elapsed(),
            });
        }
    }
    Ok(())
}
