//! New days into a built warehouse: the daily run a user of a big
//! warehouse feels. Days of a fixed size, generated like the rest of the
//! data set (the same users and songs, later times), are added one at a
//! time, each by `dwh all` over every file so far, into a copy of the
//! warehouse `all` built.

use std::path::{Path, PathBuf};

use dwh_core::local::LocalEngine;
use serde::Serialize;
use sparkify::gen::GenConfig;

use crate::child::{self, AllRun, Mode};

/// What the new days took.
#[derive(Debug, Clone, Serialize)]
pub struct NewDays {
    /// Events in each day.
    pub events: u64,
    /// One `dwh all` per day, in the order they were added.
    pub runs: Vec<AllRun>,
}

/// Where the days come from and go.
pub struct Days<'a> {
    /// The data set the warehouse was built from.
    pub data: &'a Path,
    /// Its generator configuration.
    pub config: &'a GenConfig,
    /// Events a day, and how many days.
    pub events: u64,
    pub count: u64,
    /// The database holding the warehouse (copied, not changed).
    pub built: &'a str,
    /// The copy the days go into.
    pub database: &'a str,
}

/// Adds `days.count` days of `days.events` events, one run each, to a copy
/// of the warehouse in `days.built`.
pub async fn measure(
    engine: &LocalEngine,
    engine_dir: &Path,
    out: &Path,
    days: &Days<'_>,
) -> Result<NewDays, String> {
    let day_dirs = generate(days)?;
    let work = out.join("data-and-new-days");
    mirror(days.data, &work)?;
    let url = copy_database(engine, days.built, days.database).await?;
    let mut runs = Vec::new();
    for (n, day_dir) in day_dirs.iter().enumerate() {
        link_tree(&day_dir.join("log_data"), &work.join("log_data"))?;
        let run = child::spawn(engine_dir, &work, &url, Mode::Incremental)?;
        eprintln!(
            "   new day {} of {} events: load {:.2} s, transform {:.2} s, checks {:.2} s, analysis {:.2} s",
            n + 1,
            days.events,
            run.load_s,
            run.transform_s,
            run.checks_s,
            run.analysis_s
        );
        runs.push(run);
    }
    let _ = std::fs::remove_dir_all(&work);
    drop_database(engine, days.database).await?;
    Ok(NewDays {
        events: days.events,
        runs,
    })
}

/// The days' folders (generated once, reused after), day 1 first.
fn generate(days: &Days<'_>) -> Result<Vec<PathBuf>, String> {
    let io = |e: std::io::Error| e.to_string();
    let name = days.data.file_name().unwrap_or_default().to_string_lossy();
    let root = days
        .data
        .with_file_name(format!("{name}-days-of-{}", days.events));
    (1..=days.count)
        .map(|extra| {
            let dir = root.join(format!("day-{extra}"));
            if !dir.join(".complete").exists() {
                let _ = std::fs::remove_dir_all(&dir);
                sparkify::gen::generate_extra_day(days.config, extra, days.events, &dir)
                    .map_err(|e| format!("generating into {}: {e}", dir.display()))?;
                std::fs::write(dir.join(".complete"), b"").map_err(io)?;
            }
            Ok(dir)
        })
        .collect()
}

/// `work` made a tree of links to `data`'s files: the warehouse's ledger
/// sees the same files (a link counts as its target), and new days can be
/// linked in beside them.
fn mirror(data: &Path, work: &Path) -> Result<(), String> {
    let _ = std::fs::remove_dir_all(work);
    for entry in std::fs::read_dir(data).map_err(|e| format!("{}: {e}", data.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.is_dir() {
            link_tree(&path, &work.join(path.file_name().unwrap_or_default()))?;
        }
    }
    Ok(())
}

/// Links every file below `from` at the same place below `to`.
fn link_tree(from: &Path, to: &Path) -> Result<(), String> {
    let io = |p: &Path, e: std::io::Error| format!("{}: {e}", p.display());
    std::fs::create_dir_all(to).map_err(|e| io(to, e))?;
    for entry in std::fs::read_dir(from).map_err(|e| io(from, e))? {
        let path = entry.map_err(|e| io(from, e))?.path();
        let target = to.join(path.file_name().unwrap_or_default());
        if path.is_dir() {
            link_tree(&path, &target)?;
        } else {
            std::os::unix::fs::symlink(&path, &target).map_err(|e| io(&target, e))?;
        }
    }
    Ok(())
}

/// `database` replaced by a file copy of `built`; its URL.
pub async fn copy_database(
    engine: &LocalEngine,
    built: &str,
    database: &str,
) -> Result<String, String> {
    drop_database(engine, database).await?;
    // FILE_COPY: a checkpoint and a copy of the files, far faster than
    // PostgreSQL 15's default of writing the copy through the WAL.
    let create = format!("CREATE DATABASE {database} TEMPLATE {built} STRATEGY FILE_COPY");
    // Refused while another session uses the template; autovacuum may.
    let mut tries = 0;
    while let Err(e) = admin(engine, &create).await {
        tries += 1;
        if tries == 10 || !e.contains("being accessed by other users") {
            return Err(e);
        }
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
    engine
        .database_url(database)
        .await
        .map_err(|e| e.to_string())
}

pub async fn drop_database(engine: &LocalEngine, database: &str) -> Result<(), String> {
    admin(
        engine,
        &format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)"),
    )
    .await
}

/// Runs `sql` on the engine's own database.
async fn admin(engine: &LocalEngine, sql: &str) -> Result<(), String> {
    let warehouse = dwh_core::Warehouse::connect(&engine.url(), dwh_core::sql::Dialect::Postgres)
        .await
        .map_err(|e| e.to_string())?;
    warehouse
        .client()
        .batch_execute(sql)
        .await
        .map_err(|e| format!("{sql}: {e}"))
}
