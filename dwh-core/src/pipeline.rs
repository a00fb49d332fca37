//! The pipeline, one for both targets: runs a [`RunPlan`] rendered by
//! [`sql::run_plan`](crate::sql::run_plan) statement by statement in one
//! transaction, reading back what each statement's [`Action`] asks for,
//! then the checks and the analyses. Nothing here writes SQL.
//!
//! The staging load is the only step that differs: locally the
//! [`Action::CopyFiles`] statements are fed from the [`Files`] given,
//! on Redshift [`Action::Copy`] runs `COPY … FROM` S3. A failed Redshift
//! COPY rolls the transaction back and returns
//! [`LoadError::Copy`]; the caller may then
//! look up its load errors (`sql::run::load_errors_query`) on the same
//! session.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDateTime;

use tokio_postgres::Transaction;

use crate::catalog::Schema;
use crate::checks::{self, CheckResult};
use crate::load::{
    self, testpoint, LoadError, LoadOptions, LoadProgress, Source, SourceFile, StagingReport,
};
use crate::progress::{Progress, Step};
use crate::project::{AnalysisResult, Project};
use crate::schema::Table;
use crate::sql::checks::CheckQuery;
use crate::sql::run::{self, Action, RunPlan, RunStatement};
use crate::sql::{ledger, row_counts, Dialect, Limit};
use crate::warehouse::{check_owned, rejects_path, TransformReport, Warehouse, WarehouseError};
use table_load::{worth_analyzing, TableLoad, Write};

mod table_load;

/// The local staging inputs: each staging table's source files, how bad
/// records are handled, and live counters.
#[derive(Debug, Default)]
pub struct Files {
    /// Each staging table's source.
    pub sources: Vec<(&'static Table, Arc<dyn Source>)>,
    /// The files of this run's batch, by staging table (see
    /// [`crate::load::ledger`]); a table without an entry loads every file
    /// of its source.
    pub batches: HashMap<&'static str, Vec<SourceFile>>,
    /// `--max-errors` and the rejects file.
    pub options: LoadOptions,
    /// One counter per source, in order, read by a progress display.
    pub progress: Vec<Arc<LoadProgress>>,
}

/// What the run transaction did.
#[derive(Debug, Default)]
pub struct Loaded {
    /// Each staging table loaded. For a Redshift COPY only `table` and
    /// `rows` are known here; the caller fills in files and bytes.
    pub staging: Vec<StagingReport>,
    /// Each star-schema table's rows before and after.
    pub transform: Vec<TransformReport>,
}

/// Where the executor is within the plan.
struct State {
    loaded: Loaded,
    /// The star-schema table being loaded, between its row counts.
    loading: Option<TableLoad>,
    /// The declared tables that existed as the run began.
    existing: Vec<String>,
    /// Staging tables holding a batch not transformed yet.
    pending: Vec<&'static str>,
    /// When the run began: the ledger's `run_at` of the files it loads.
    run_at: NaiveDateTime,
    /// The star-schema table whose load is skipped: nothing new to read.
    skipping: Option<&'static str>,
}

impl State {
    fn new() -> State {
        State {
            loaded: Loaded::default(),
            loading: None,
            existing: Vec::new(),
            pending: Vec::new(),
            run_at: chrono::Utc::now().naive_utc(),
            skipping: None,
        }
    }
}

/// The step of the run a statement belongs to, as progress shows it.
fn step_of(statement: run::Step, plan: &RunPlan) -> Step {
    match statement {
        run::Step::Begin | run::Step::Lock => Step::Lock,
        run::Step::Drop => Step::DropTables,
        run::Step::Create => Step::CreateTables,
        run::Step::Refresh => Step::EmptyStarSchema,
        run::Step::Staging if plan.dialect == Dialect::Redshift => Step::CopyStaging,
        run::Step::Staging => Step::LoadStaging,
        run::Step::StarSchema => Step::BuildStarSchema,
        run::Step::Commit => Step::Commit,
    }
}

/// Runs the write transaction of `plan` on `warehouse`. On any error it
/// rolls back, so the warehouse is as it was.
pub async fn execute(
    warehouse: &mut Warehouse,
    plan: &RunPlan,
    files: &Files,
    progress: &mut dyn Progress,
) -> Result<Loaded, WarehouseError> {
    let database = warehouse.database().await?;
    let statements = match plan.transaction.as_slice() {
        [begin, middle @ .., commit]
            if begin.step == run::Step::Begin && commit.step == run::Step::Commit =>
        {
            middle
        }
        _ => panic!("a run plan is BEGIN … COMMIT"),
    };
    prepare(warehouse, plan).await?;
    // tokio-postgres sends the plan's `BEGIN` and `COMMIT` itself, and
    // rolls back when the transaction is dropped unfinished.
    let transaction = warehouse
        .client_mut()
        .transaction()
        .await
        .map_err(WarehouseError::sql("starting the run transaction"))?;
    let mut state = State::new();
    let mut start = 0;
    while start < statements.len() {
        let name = step_of(statements[start].step, plan);
        let end = statements[start..]
            .iter()
            .position(|s| step_of(s.step, plan) != name)
            .map_or(statements.len(), |n| start + n);
        progress.step_started(name);
        let (staged, tables) = (state.loaded.staging.len(), state.loaded.transform.len());
        let mut result = Ok(());
        for statement in &statements[start..end] {
            result = execute_one(&transaction, statement, files, &database, &mut state).await;
            if result.is_err() {
                break;
            }
        }
        let rows = rows_of(statements[start].step, &state.loaded, staged, tables);
        let failure = result.as_ref().err().map(|e| e.to_string());
        progress.step_finished(name, rows, failure.as_deref());
        result?;
        start = end;
    }
    progress.step_started(Step::Commit);
    testpoint::pause("commit", None).await;
    let committed = transaction
        .commit()
        .await
        .map_err(WarehouseError::sql("committing"));
    let failure = committed.as_ref().err().map(|e| e.to_string());
    progress.step_finished(Step::Commit, None, failure.as_deref());
    committed?;
    Ok(state.loaded)
}

/// Runs what the plan runs before `BEGIN`, each statement on its own:
/// Redshift's registry, so that the run lock is the transaction's first
/// statement ([`RunPlan::prepare`]).
async fn prepare(warehouse: &Warehouse, plan: &RunPlan) -> Result<(), WarehouseError> {
    for statement in &plan.prepare {
        warehouse
            .client()
            .batch_execute(&statement.sql)
            .await
            .map_err(WarehouseError::sql(format!(
                "running `{}`",
                statement.label
            )))?;
    }
    Ok(())
}

/// The rows a step reports: rows loaded into staging, rows added to the
/// star schema.
fn rows_of(step: run::Step, loaded: &Loaded, staged: usize, tables: usize) -> Option<u64> {
    match step {
        run::Step::Staging => Some(loaded.staging[staged..].iter().map(|s| s.rows).sum()),
        run::Step::StarSchema => Some(
            loaded.transform[tables..]
                .iter()
                .map(|t| t.rows_after.saturating_sub(t.rows_before))
                .sum(),
        ),
        _ => None,
    }
}

async fn execute_one(
    tx: &Transaction<'_>,
    statement: &RunStatement,
    files: &Files,
    database: &str,
    state: &mut State,
) -> Result<(), WarehouseError> {
    let load_step = matches!(
        statement.action,
        Action::Execute | Action::AnalyzeChanged(_) | Action::LateHistory(_)
    );
    if state.skipping.is_some() && load_step {
        return Ok(());
    }
    match statement.action {
        Action::Execute
        | Action::AnalyzeChanged(_)
        | Action::RowsBefore(_)
        | Action::RowsAfter(_)
        | Action::KeepRows(_) => execute_star(tx, statement, state).await?,
        Action::Copy(_) | Action::CopyFiles(_) | Action::Analyze(_) | Action::CopiedRows(_) => {
            execute_staging(tx, statement, files, state).await?
        }
        Action::ExistingTables | Action::IfCreated(_) | Action::RegisteredTables => {
            execute_tables(tx, statement, database, state).await?
        }
        Action::LateHistory(table) => refuse_late_rows(tx, statement, table).await?,
        Action::NewInput(_)
        | Action::PendingBatch(_)
        | Action::EmptyStaging(_)
        | Action::AlreadyLoaded(_)
        | Action::RecordFiles(_) => execute_ledger(tx, statement, state).await?,
    }
    Ok(())
}

/// The staging load's actions: a Redshift COPY and the rows it loaded, the
/// local load of the batch's files, and the ANALYZE that ends either.
async fn execute_staging(
    tx: &Transaction<'_>,
    statement: &RunStatement,
    files: &Files,
    state: &mut State,
) -> Result<(), WarehouseError> {
    match statement.action {
        Action::Copy(table) => {
            tx.batch_execute(&statement.sql).await.map_err(|source| {
                WarehouseError::load(table)(LoadError::Copy {
                    table: table.name,
                    source,
                })
            })?;
        }
        Action::CopyFiles(table) => {
            let report = copy_files(tx, table, files).await?;
            state.loaded.staging.push(report);
        }
        Action::Analyze(table) => {
            run_plain(tx, statement).await?;
            // A staging table is loaded once it is analyzed.
            testpoint::pause("load", Some(table.name)).await;
        }
        Action::CopiedRows(table) => {
            let rows = count(tx, statement).await?;
            state.loaded.staging.push(StagingReport {
                table: table.name,
                location: String::new(),
                files: 0,
                rows,
                bytes: 0,
                rejected: 0,
                rejects_file: None,
                ledger: Vec::new(),
            });
        }
        _ => unreachable!("not a staging action: {:?}", statement.action),
    }
    Ok(())
}

/// The table-creation actions: which declared tables exist, statements
/// only for tables this run created, and the ownership check on the rest.
async fn execute_tables(
    tx: &Transaction<'_>,
    statement: &RunStatement,
    database: &str,
    state: &mut State,
) -> Result<(), WarehouseError> {
    match statement.action {
        Action::ExistingTables => state.existing = names(tx, statement).await?,
        Action::IfCreated(table) if state.existing.iter().any(|t| t == table.name) => {}
        Action::IfCreated(_) => run_plain(tx, statement).await?,
        Action::RegisteredTables => {
            let registered = names(tx, statement).await?;
            check_owned(database, state.existing.clone(), registered)?;
        }
        _ => unreachable!("not a table-creation action: {:?}", statement.action),
    }
    Ok(())
}

/// Plain statements, and a star-schema table's load: its row counts
/// around it, the rows its writes changed, and the ANALYZE that depends
/// on them.
async fn execute_star(
    tx: &Transaction<'_>,
    statement: &RunStatement,
    state: &mut State,
) -> Result<(), WarehouseError> {
    match statement.action {
        Action::Execute => match &mut state.loading {
            Some(load) => match Write::of(&statement.sql, load.table) {
                Some(write) => load.wrote(write, run_counted(tx, statement).await?),
                None => run_plain(tx, statement).await?,
            },
            None => run_plain(tx, statement).await?,
        },
        Action::AnalyzeChanged(_) => {
            // Outside a counted load there is nothing to go by: analyze.
            let worth = state.loading.as_mut().is_none_or(|load| {
                load.analyzed = worth_analyzing(load.rows_before, load.changed);
                load.analyzed
            });
            if worth {
                run_plain(tx, statement).await?;
            }
        }
        Action::RowsBefore(table) => {
            state.loading = Some(TableLoad::new(table, count(tx, statement).await?));
        }
        Action::RowsAfter(table) => {
            state.skipping = None;
            let load = state.loading.take();
            let rows_after = match load.as_ref().and_then(TableLoad::rows_after) {
                Some(rows) => rows,
                None => count(tx, statement).await?,
            };
            state.loaded.transform.push(TransformReport {
                table: table.name,
                rows_before: load.as_ref().map_or(0, |l| l.rows_before),
                rows_after,
                rows_changed: load.as_ref().map_or(0, |l| l.changed),
                analyzed: load.as_ref().is_some_and(|l| l.analyzed),
                duration: load.map_or_else(Default::default, |l| l.started.elapsed()),
            });
        }
        Action::KeepRows(table) => {
            let rows = state.loaded.transform.last().map_or(0, |t| t.rows_after);
            run_rendered(tx, statement, row_counts::keep(table, rows)).await?;
            testpoint::pause("transform", Some(table.name)).await;
        }
        _ => unreachable!("not a star-schema action: {:?}", statement.action),
    }
    Ok(())
}

/// Stops the run when a type-2 dimension's batch has late rows that would
/// change its history ([`Action::LateHistory`]).
async fn refuse_late_rows(
    tx: &Transaction<'_>,
    statement: &RunStatement,
    table: &'static Table,
) -> Result<(), WarehouseError> {
    let rows = query(tx, statement).await?;
    let Some(first) = rows.first() else {
        return Ok(());
    };
    let key = table.natural_key.join(", ");
    let examples = rows
        .iter()
        .map(|r| {
            let (value, at, n): (String, String, i64) = (r.get(0), r.get(1), r.get(2));
            format!("{key} {value} ({n} rows from {at})")
        })
        .collect();
    Err(WarehouseError::LateHistory {
        table: table.name,
        keys: first.get::<_, i64>(3) as u64,
        examples,
    })
}

/// The load ledger's actions: which inputs are new, whether staging holds
/// a batch to keep, files a concurrent run loaded, and the files recorded.
async fn execute_ledger(
    tx: &Transaction<'_>,
    statement: &RunStatement,
    state: &mut State,
) -> Result<(), WarehouseError> {
    match statement.action {
        Action::NewInput(table) => {
            let new = count(tx, statement).await? > 0;
            state.skipping = (!new).then_some(table.name);
        }
        Action::PendingBatch(table) => {
            if count(tx, statement).await? > 0 {
                state.pending.push(table.name);
            }
        }
        Action::EmptyStaging(table) if state.pending.contains(&table.name) => {}
        Action::EmptyStaging(_) => run_plain(tx, statement).await?,
        Action::AlreadyLoaded(table) => {
            let files = names(tx, statement).await?;
            if !files.is_empty() {
                return Err(WarehouseError::LoadedMeanwhile {
                    table: table.name,
                    files,
                });
            }
        }
        Action::RecordFiles(table) => {
            let files = state
                .loaded
                .staging
                .last()
                .filter(|r| r.table == table.name)
                .map(|r| r.ledger.as_slice())
                .unwrap_or_default();
            let sql = ledger::record_files(table, files, state.run_at, Dialect::Postgres);
            run_rendered(tx, statement, sql).await?;
        }
        _ => unreachable!("not a ledger action: {:?}", statement.action),
    }
    Ok(())
}

/// Runs what `statement` stands for, rendered once its values are known
/// (the files a load recorded, a table's rows after its load).
async fn run_rendered(
    tx: &Transaction<'_>,
    statement: &RunStatement,
    rendered: impl IntoIterator<Item = String>,
) -> Result<(), WarehouseError> {
    for sql in rendered {
        tx.batch_execute(&sql)
            .await
            .map_err(WarehouseError::sql(format!(
                "running `{}`",
                statement.label
            )))?;
    }
    Ok(())
}

/// Runs `statement`, returning the rows it wrote (its command's count).
async fn run_counted(
    tx: &Transaction<'_>,
    statement: &RunStatement,
) -> Result<u64, WarehouseError> {
    tx.execute(statement.sql.as_str(), &[])
        .await
        .map_err(WarehouseError::sql(format!(
            "running `{}`",
            statement.label
        )))
}

async fn run_plain(tx: &Transaction<'_>, statement: &RunStatement) -> Result<(), WarehouseError> {
    tx.batch_execute(&statement.sql)
        .await
        .map_err(WarehouseError::sql(format!(
            "running `{}`",
            statement.label
        )))
}

/// The binary load of one staging table from its source in `files`.
async fn copy_files(
    tx: &Transaction<'_>,
    table: &'static Table,
    files: &Files,
) -> Result<StagingReport, WarehouseError> {
    let at = files
        .sources
        .iter()
        .position(|(t, _)| t.name == table.name)
        .ok_or(WarehouseError::Load(LoadError::NoSource(table.name)))?;
    let options = LoadOptions {
        rejects: files
            .options
            .rejects
            .as_ref()
            .map(|p| rejects_path(p, table.name)),
        ..files.options.clone()
    };
    let progress = files.progress.get(at).cloned().unwrap_or_default();
    let source = Arc::clone(&files.sources[at].1);
    let batch = match files.batches.get(table.name) {
        Some(batch) => batch.clone(),
        None => {
            // Every file, replacing staging: none at all is a mistake.
            let all = list(table, &source)
                .await
                .map_err(WarehouseError::load(table))?;
            if all.is_empty() {
                return Err(WarehouseError::Load(LoadError::NoFiles(source.location())));
            }
            all
        }
    };
    load::copy_files(tx, table, source, batch, &options, progress)
        .await
        .map_err(WarehouseError::load(table))
}

/// Every file of `source`, listed off the async threads (a remote source
/// lists over the network).
pub async fn list(
    table: &'static Table,
    source: &Arc<dyn Source>,
) -> Result<Vec<SourceFile>, LoadError> {
    let listing = {
        let source = Arc::clone(source);
        tokio::task::spawn_blocking(move || source.files())
    };
    listing
        .await
        .map_err(|_| LoadError::Interrupted(table.name))?
        .map_err(|e| LoadError::List {
            location: source.location(),
            source: e,
        })
}

async fn names(
    tx: &Transaction<'_>,
    statement: &RunStatement,
) -> Result<Vec<String>, WarehouseError> {
    let rows = query(tx, statement).await?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

/// The rows `statement` returns; an error names its label.
async fn query(
    tx: &Transaction<'_>,
    statement: &RunStatement,
) -> Result<Vec<tokio_postgres::Row>, WarehouseError> {
    let context = format!("running `{}`", statement.label);
    tx.query(&statement.sql, &[])
        .await
        .map_err(WarehouseError::sql(context))
}

async fn count(tx: &Transaction<'_>, statement: &RunStatement) -> Result<u64, WarehouseError> {
    let row = tx
        .query_one(&statement.sql, &[])
        .await
        .map_err(WarehouseError::sql(format!(
            "running `{}`",
            statement.label
        )))?;
    Ok(row.get::<_, i64>(0).max(0) as u64)
}

/// The tables whose checks read only the latest batch's rows
/// ([`checks::Scope::Appended`]): those the run only appended to (they
/// had rows, and none of them was changed: every row the load wrote is a
/// new one, and the batch holds them all), from a batch this run loaded
/// that is small beside them. A batch of a tenth of the table or more is
/// checked whole: joining that many keys costs more than reading every
/// row (a re-run's batch, the whole first load, made the 1M checks five
/// times slower).
pub fn appended(schema: &Schema, loaded: &Loaded) -> Vec<&'static str> {
    let batch_rows = |table: &str| -> u64 {
        let source = schema
            .table(table)
            .and_then(|t| t.load.as_ref())
            .map(|l| l.source.name);
        loaded
            .staging
            .iter()
            .filter(|s| Some(s.table) == source)
            .map(|s| s.rows)
            .sum()
    };
    loaded
        .transform
        .iter()
        .filter(|t| {
            let only_appended = t.rows_changed == t.rows_after.saturating_sub(t.rows_before);
            let batch = batch_rows(t.table);
            only_appended && batch > 0 && batch.saturating_mul(10) < t.rows_before
        })
        .map(|t| t.table)
        .collect()
}

/// The star-schema tables whose rows the run changed or added to.
pub fn changed(loaded: &Loaded) -> Vec<&'static str> {
    loaded
        .transform
        .iter()
        .filter(|t| t.rows_changed > 0 || t.rows_after != t.rows_before)
        .map(|t| t.table)
        .collect()
}

/// Runs the checks over the rows `scope` says, as one step
/// ([`Step::Checks`]) that fails when a check does.
pub async fn check(
    warehouse: &Warehouse,
    queries: &[CheckQuery],
    scope: checks::Scope<'_>,
    progress: &mut dyn Progress,
) -> Result<Vec<CheckResult>, WarehouseError> {
    const STEP: Step = Step::Checks;
    progress.step_started(STEP);
    let result = checks::run_scoped(warehouse.client(), queries, warehouse.dialect(), scope).await;
    match &result {
        Ok(results) => {
            let failed = checks::failed_summary(results);
            progress.step_finished(STEP, Some(results.len() as u64), failed.as_deref());
        }
        Err(e) => progress.step_finished(STEP, None, Some(&e.to_string())),
    }
    result
}

/// Runs every analysis of `project`, as one step ([`Step::Analysis`]).
pub async fn analyze(
    warehouse: &Warehouse,
    project: &Project,
    top: Limit,
    progress: &mut dyn Progress,
) -> Result<Vec<AnalysisResult>, WarehouseError> {
    const STEP: Step = Step::Analysis;
    progress.step_started(STEP);
    let mut results = Vec::with_capacity(project.analyses().len());
    for analysis in project.analyses() {
        match analysis.run(warehouse, top).await {
            Ok(result) => results.push(result),
            Err(e) => {
                progress.step_finished(STEP, None, Some(&e.to_string()));
                return Err(e);
            }
        }
    }
    progress.step_finished(STEP, None, None);
    Ok(results)
}
