//! The pipeline steps shared by `dwh all` and the single-step subcommands.

use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use dwh_core::checks::{self, CheckResult};
use dwh_core::load::{LoadOptions, LoadProgress, StagingReport};
use dwh_core::sql::{self, Dialect};
use dwh_core::warehouse::{TransformReport, WriteBatch};
use dwh_core::{Schema, Warehouse};
use indicatif::ProgressBar;

use super::data::sources;
use super::local::database_url;
use super::run::Run;
use crate::cli::{DataArgs, WarehouseArgs};
use crate::report::RunReport;
use crate::ui;

/// Connects to the warehouse of `args` (the demo database with `--demo`).
pub async fn connect(args: &WarehouseArgs) -> anyhow::Result<Warehouse> {
    connect_to(args, args.demo).await
}

/// Connects to the warehouse of `args`, the demo database if `demo`.
pub async fn connect_to(args: &WarehouseArgs, demo: bool) -> anyhow::Result<Warehouse> {
    let url = database_url(args, demo).await?;
    Ok(Warehouse::connect(&url, Dialect::Postgres).await?)
}

/// Connects for writing: with the warehouse's run lock (see [`lock`]).
pub async fn connect_writer(args: &WarehouseArgs, demo: bool) -> anyhow::Result<Warehouse> {
    let warehouse = connect_to(args, demo).await?;
    lock(&warehouse, args.no_wait).await?;
    Ok(warehouse)
}

/// Takes the run lock, so that two runs never write at once: while another
/// run holds it, waits and says so, or with `--no-wait` fails at once.
pub async fn lock(warehouse: &Warehouse, no_wait: bool) -> anyhow::Result<()> {
    if no_wait {
        return Ok(warehouse.lock(false).await?);
    }
    if warehouse.try_lock().await? {
        return Ok(());
    }
    let holder = warehouse
        .lock_holder()
        .await?
        .map(|h| format!(" ({h})"))
        .unwrap_or_default();
    let bar = ui::spinner(format!(
        "waiting for another dwh run to finish writing to this warehouse{holder}; Ctrl-C to stop, or use --no-wait to fail instead"
    ));
    let started = Instant::now();
    warehouse.lock(true).await?;
    bar.finish_and_clear();
    eprintln!(
        "✔ the other run finished after {}; going on",
        ui::human_duration(started.elapsed())
    );
    Ok(())
}

/// Loads staging inside `batch`, with a live count of records and bytes.
pub async fn load_step(
    run: &mut Run,
    batch: &WriteBatch<'_>,
    dir: &Path,
    data: &DataArgs,
) -> anyhow::Result<Vec<StagingReport>> {
    let loads = sources(dir)?;
    let progress: Vec<Arc<LoadProgress>> = loads.iter().map(|_| Arc::default()).collect();
    let options = LoadOptions {
        max_errors: data.max_errors,
        rejects: Some(data.rejects_file()),
    };
    let bar = ui::spinner(format!("load staging from {}", dir.display()));
    let ticker = spawn_ticker(bar.clone(), progress.clone());
    let result = run
        .step_with(
            "load staging",
            &bar,
            |r: &Vec<StagingReport>| Some(r.iter().map(|s| s.rows).sum()),
            async { Ok(batch.load_staging(&loads, &options, &progress).await?) },
        )
        .await;
    ticker.abort();
    let reports = result?;
    for r in &reports {
        eprintln!(
            "    {}: {} rows from {} files ({}){}",
            r.table,
            ui::thousands(r.rows),
            r.files,
            ui::bytes(r.bytes),
            match (&r.rejects_file, r.rejected) {
                (Some(path), n) if n > 0 =>
                    format!(", {n} bad records skipped into {}", path.display()),
                _ => String::new(),
            }
        );
    }
    Ok(reports)
}

/// Updates the load spinner with records and bytes read so far.
fn spawn_ticker(bar: ProgressBar, progress: Vec<Arc<LoadProgress>>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let started = Instant::now();
        loop {
            tokio::time::sleep(Duration::from_millis(200)).await;
            let records: u64 = progress
                .iter()
                .map(|p| p.records.load(Ordering::Relaxed))
                .sum();
            let bytes: u64 = progress
                .iter()
                .map(|p| p.bytes.load(Ordering::Relaxed))
                .sum();
            let rate = records as f64 / started.elapsed().as_secs_f64();
            bar.set_message(format!(
                "load staging: {} records, {} ({:.0} records/s)",
                ui::thousands(records),
                ui::bytes(bytes),
                rate
            ));
        }
    })
}

pub async fn transform_step(
    run: &mut Run,
    batch: &WriteBatch<'_>,
    schema: &Schema,
) -> anyhow::Result<Vec<TransformReport>> {
    let reports = run
        .step(
            "build star schema",
            |r: &Vec<TransformReport>| Some(r.iter().map(|t| t.rows_after - t.rows_before).sum()),
            async { Ok(batch.transform(schema).await?) },
        )
        .await?;
    print_transform(&reports);
    Ok(reports)
}

/// Each star-schema table's rows, and how many the run added.
pub fn print_transform(reports: &[TransformReport]) {
    for r in reports {
        eprintln!(
            "    {}: {} rows (+{})",
            r.table,
            ui::thousands(r.rows_after),
            ui::thousands(r.rows_after - r.rows_before)
        );
    }
}

pub async fn check_step(
    run: &mut Run,
    warehouse: &Warehouse,
    schema: &Schema,
) -> anyhow::Result<Vec<CheckResult>> {
    let queries = sql::checks::queries(schema, checks::EXAMPLES);
    check_queries_step(run, warehouse, &queries).await
}

/// Runs checks already rendered (the Redshift run renders its own).
pub async fn check_queries_step(
    run: &mut Run,
    warehouse: &Warehouse,
    queries: &[sql::checks::CheckQuery],
) -> anyhow::Result<Vec<CheckResult>> {
    let results = run
        .judged_step(
            "data-quality checks",
            |r: &Vec<CheckResult>| Some(r.len() as u64),
            |r: &Vec<CheckResult>| failed_checks(r),
            async { Ok(checks::run_queries(warehouse.client(), queries).await?) },
        )
        .await?;
    print_checks(&results);
    Ok(results)
}

/// Failed checks shown in one line, at most this many in full.
const FAILED_SHOWN: usize = 3;

/// `None` when every check passed, else one line: how many failed, and
/// which, with their offending keys.
pub fn failed_checks(results: &[CheckResult]) -> Option<String> {
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

fn print_checks(results: &[CheckResult]) {
    let failed: Vec<&CheckResult> = results.iter().filter(|c| !c.passed).collect();
    if failed.is_empty() {
        eprintln!("    all {} checks passed", results.len());
        return;
    }
    let rows = failed
        .iter()
        .map(|c| {
            vec![
                c.table.to_owned(),
                c.check.clone(),
                ui::thousands(c.failures),
                c.examples.join("; "),
            ]
        })
        .collect();
    println!(
        "{}",
        ui::table(&["table", "failed check", "offending", "examples"], rows)
    );
}

pub async fn table_counts(
    warehouse: &Warehouse,
    schema: &Schema,
    report: &mut RunReport,
) -> anyhow::Result<()> {
    for table in schema.tables() {
        report
            .tables
            .insert(table.name.to_owned(), warehouse.row_count(table).await?);
    }
    Ok(())
}
