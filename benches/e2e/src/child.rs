//! The whole `dwh all` path, run in a child process of the benchmark so
//! that its peak RSS (`VmHWM`) is that of one run and nothing else.
//!
//! The steps are those `dwh all` runs: start or reuse the engine, connect,
//! take the run lock, then dwh-core's one [`Run`]: choose the files, create
//! tables, load staging and build the star schema in one transaction,
//! commit, the checks and the analyses.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Instant;

use dwh_core::load::policy::BatchPolicy;
use dwh_core::load::Source;
use dwh_core::local::LocalEngine;
use dwh_core::pipeline::Files;
use dwh_core::progress::Step;
use dwh_core::report::RunReport;
use dwh_core::run::Run;
use dwh_core::sql::Dialect;
use dwh_core::Warehouse;
use serde::{Deserialize, Serialize};

/// The argument that makes the benchmark binary run as this child.
pub const CHILD_ARG: &str = "__all";

/// What one `all` run took, step by step, in seconds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AllRun {
    pub engine_s: f64,
    pub create_tables_s: f64,
    pub load_s: f64,
    pub transform_s: f64,
    pub commit_s: f64,
    pub checks_s: f64,
    pub analysis_s: f64,
    pub total_s: f64,
    /// Events and songs loaded into staging.
    pub staging_rows: Vec<(String, u64)>,
    /// JSON bytes read by the staging load.
    pub staging_bytes: u64,
    /// Rows each dimension and fact gained.
    pub transform_rows: Vec<(String, u64)>,
    pub checks_failed: usize,
    /// Peak resident set size of the process, KiB (`VmHWM`).
    pub peak_rss_kib: u64,
}

/// How a child run chooses its files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Every file, the star schema rebuilt (`dwh all --full-refresh`).
    Full,
    /// The files the load ledger does not hold (`dwh all`).
    Incremental,
}

impl Mode {
    fn arg(self) -> &'static str {
        match self {
            Mode::Full => "full",
            Mode::Incremental => "incremental",
        }
    }
}

/// Runs `all` on `data` into the database at `url` in a child process.
pub fn spawn(engine_dir: &Path, data: &Path, url: &str, mode: Mode) -> Result<AllRun, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find own binary: {e}"))?;
    let output = Command::new(exe)
        .arg(CHILD_ARG)
        .arg(engine_dir)
        .arg(data)
        .arg(url)
        .arg(mode.arg())
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot start the `all` child: {e}"))?;
    if !output.status.success() {
        return Err(format!("the `all` run failed ({})", output.status));
    }
    serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("cannot read the `all` child's result: {e}"))
}

/// The child's `main`: `__all ENGINE_DIR DATA_DIR URL full|incremental`;
/// prints an [`AllRun`] as JSON on stdout.
pub fn main(mut args: impl Iterator<Item = String>) -> Result<(), String> {
    let mut next = |what: &str| args.next().ok_or(format!("{CHILD_ARG}: missing {what}"));
    let engine_dir = PathBuf::from(next("engine dir")?);
    let data = PathBuf::from(next("data dir")?);
    let url = next("database URL")?;
    let full_refresh = next("mode")? == Mode::Full.arg();
    // The runtime `#[tokio::main]` gives dwh: multi-threaded, a worker per core.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let run = runtime.block_on(run_all(&engine_dir, &data, &url, full_refresh))?;
    println!("{}", serde_json::to_string(&run).expect("serializes"));
    Ok(())
}

/// The seconds `report` gives the steps of `steps`.
fn secs(report: &RunReport, steps: &[Step]) -> f64 {
    report
        .steps
        .iter()
        .filter(|s| steps.iter().any(|step| s.step == step.name()))
        .map(|s| s.duration.as_secs_f64())
        .sum()
}

async fn run_all(
    engine_dir: &Path,
    data: &Path,
    url: &str,
    full_refresh: bool,
) -> Result<AllRun, String> {
    let text = |e: &dyn std::fmt::Display| e.to_string();
    let project = sparkify::project();
    let files = Files {
        sources: project
            .sources()
            .iter()
            .map(|s| {
                let source = s.below(data);
                (s.table, Arc::new(source) as Arc<dyn Source>)
            })
            .collect(),
        ..Files::default()
    };
    let started = Instant::now();
    LocalEngine::ensure(engine_dir)
        .await
        .map_err(|e| text(&e))?;
    let mut warehouse = Warehouse::connect(url, Dialect::Postgres)
        .await
        .map_err(|e| text(&e))?;
    warehouse.lock(true).await.map_err(|e| text(&e))?;
    let engine_s = started.elapsed().as_secs_f64();
    // As `dwh all` (the files the ledger lacks) or `dwh all --full-refresh`:
    // dwh-core's one run.
    let policy = BatchPolicy {
        full_refresh,
        ..BatchPolicy::default()
    };
    let mut report = RunReport::default();
    Run::new(&project, &mut warehouse)
        .files(files)
        .policy(policy)
        .top(dwh_core::sql::Limit::new(5).unwrap())
        .execute(&mut report, &mut ())
        .await
        .map_err(|e| text(&e))?;
    Ok(all_run(&report, engine_s, started.elapsed().as_secs_f64()))
}

/// What `report` tells of one `all` run that took `total_s` seconds.
fn all_run(report: &RunReport, engine_s: f64, total_s: f64) -> AllRun {
    AllRun {
        engine_s,
        create_tables_s: secs(report, &[Step::Lock, Step::CreateTables]),
        load_s: secs(report, &[Step::LoadStaging]),
        transform_s: secs(report, &[Step::BuildStarSchema]),
        commit_s: secs(report, &[Step::Commit]),
        checks_s: secs(report, &[Step::Checks]),
        analysis_s: secs(report, &[Step::Analysis]),
        total_s,
        staging_rows: report
            .staging
            .iter()
            .map(|r| (r.table.to_owned(), r.rows))
            .collect(),
        staging_bytes: report.staging.iter().map(|r| r.bytes).sum(),
        transform_rows: report
            .transform
            .iter()
            .map(|r| (r.table.to_owned(), r.rows_after - r.rows_before))
            .collect(),
        checks_failed: report.checks.iter().filter(|c| !c.passed).count(),
        peak_rss_kib: peak_rss_kib(),
    }
}

/// `VmHWM` of this process, in KiB (0 where /proc is missing).
pub fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}
