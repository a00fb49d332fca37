//! What the pipeline commands share: connecting and locking, and the
//! local run's inputs with their live counts.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use dwh_core::load::{LoadOptions, LoadProgress};
use dwh_core::pipeline::Files;
use dwh_core::progress::Step;
use dwh_core::sql::Dialect;
use dwh_core::{Project, Warehouse};

use super::console::{BarSlot, Console};
use super::data::{sources, Location};
use super::local::database_url;
use crate::cli::{DataArgs, WarehouseArgs};
use crate::ui;

/// Connects to the warehouse of `args` (the demo database with `--demo`).
pub async fn connect(args: &WarehouseArgs, project: &Project) -> anyhow::Result<Warehouse> {
    connect_to(args, project, args.demo).await
}

/// Connects to the warehouse of `args`, the demo database if `demo`.
pub async fn connect_to(
    args: &WarehouseArgs,
    project: &Project,
    demo: bool,
) -> anyhow::Result<Warehouse> {
    let url = database_url(args, project, demo).await?;
    Ok(Warehouse::connect(&url, Dialect::Postgres).await?)
}

/// Connects for writing: with the warehouse's run lock (see [`lock`]).
pub async fn connect_writer(
    args: &WarehouseArgs,
    project: &Project,
    demo: bool,
) -> anyhow::Result<Warehouse> {
    let warehouse = connect_to(args, project, demo).await?;
    lock(&warehouse, args.no_wait).await?;
    Ok(warehouse)
}

/// Fails, saying what to run, when tables of the warehouse are missing:
/// `check` and `analyze` read them (dropped by `dwh drop-tables`, or never
/// built, they gave a raw "relation does not exist").
pub async fn require_tables(warehouse: &Warehouse, project: &Project) -> anyhow::Result<()> {
    let missing = warehouse.missing_tables(project.schema()).await?;
    if missing.is_empty() {
        return Ok(());
    }
    let database = warehouse.database().await?;
    if missing.len() == project.schema().tables().len() {
        anyhow::bail!(
            "database `{database}` holds no tables of warehouse `{}` (never built, or dropped by \
             `dwh drop-tables`): run `dwh all` to build and load them first",
            project.name()
        );
    }
    let list: Vec<String> = missing.iter().map(|t| format!("`{t}`")).collect();
    anyhow::bail!(
        "database `{database}` lacks {} of warehouse `{}` (dropped or renamed?): run \
         `dwh all --full-refresh` to rebuild every table from the data",
        list.join(", "),
        project.name()
    )
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

/// The staging files of `location`, with `--max-errors` and live counters.
pub fn files(location: &Location, project: &Project, data: &DataArgs) -> anyhow::Result<Files> {
    let sources = sources(location, project)?;
    Ok(Files {
        progress: sources.iter().map(|_| Arc::default()).collect(),
        batches: Default::default(),
        sources,
        options: LoadOptions {
            max_errors: data.max_errors,
            rejects: Some(data.rejects_file()),
        },
    })
}

/// Shows live record and byte counts on the load step's spinner while the
/// pipeline runs; abort the handle when it is done.
pub fn load_ticker(
    console: &mut Console,
    location: &Location,
    files: &Files,
) -> tokio::task::JoinHandle<()> {
    let slot = console.prepare(Step::LoadStaging, format!("load staging from {location}"));
    spawn_ticker(slot, files.progress.clone())
}

/// Updates the load spinner with records and bytes read so far.
fn spawn_ticker(slot: BarSlot, progress: Vec<Arc<LoadProgress>>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let started = Instant::now();
        loop {
            tokio::time::sleep(Duration::from_millis(200)).await;
            let Some(bar) = slot.lock().ok().and_then(|b| b.clone()) else {
                continue;
            };
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
