//! Shared test support: the real local PostgreSQL engine, one fresh
//! database per test, and the paths of the shared sample data.

pub mod python_tool;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use dwh_core::load::policy::BatchPolicy;
use dwh_core::load::{LoadOptions, Source, StagingReport};
use dwh_core::local::LocalEngine;
use dwh_core::pipeline::Files;
use dwh_core::report::RunReport;
use dwh_core::run::{Run, RunError};
use dwh_core::schema::Table;
use dwh_core::sql::{Dialect, Parts};
use dwh_core::{Project, Warehouse, WarehouseError};

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ lives in the workspace")
        .to_owned()
}

/// The real course sample (never copied here): `DWH_SAMPLE_DIR`, or
/// `../shared/data/sparkify` beside the checkout.
pub fn sample_dir() -> PathBuf {
    match std::env::var_os("DWH_SAMPLE_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => workspace().join("../shared/data/sparkify"),
    }
}

/// The sample folder; panics when it is missing (tests that need it start
/// with [`require_sample!`], which skips them first).
pub fn sample_data() -> PathBuf {
    let dir = sample_dir();
    assert!(
        dir.join("log_data").is_dir(),
        "sample data missing at {}",
        dir.display()
    );
    dir
}

/// Whether the sample is there. When it is not, prints one line saying
/// which test is skipped and why, and returns false; under CI (`CI` set),
/// where the sample is always provided, a missing sample fails instead.
pub fn sample_present(test: &str) -> bool {
    let dir = sample_dir();
    if dir.join("log_data").is_dir() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{test}: the course sample is missing at {} (CI must provide it)",
        dir.display()
    );
    // Straight to stderr: the test harness captures `eprintln!` of passing
    // tests, and this line must be seen.
    let _ = writeln!(
        std::io::stderr(),
        "skipped {test}: the course sample is not at {} (set DWH_SAMPLE_DIR to its folder)",
        dir.display()
    );
    false
}

/// First line of a test that reads the course sample: returns from the
/// test, with one line saying so, on a clone without it.
#[macro_export]
macro_rules! require_sample {
    () => {
        // The calling test's path, from a function declared in it.
        fn __here() {}
        let test = std::any::type_name_of_val(&__here)
            .trim_end_matches("::__here")
            .trim_end_matches("::{{closure}}");
        if !$crate::sample_present(test) {
            return;
        }
    };
}

/// A scratch directory under target/, emptied first.
pub fn scratch(name: &str) -> PathBuf {
    let dir = workspace().join("target/dwh-test-scratch").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

/// The test engine, shared by every test (started once, reused).
pub async fn engine() -> LocalEngine {
    let dir = workspace().join("target/dwh-test-local");
    LocalEngine::ensure(&dir)
        .await
        .expect("local PostgreSQL engine starts")
}

/// Every loaded table's rows (every version of a type-2 dimension),
/// sorted, as text; IDENTITY columns left out (their values follow
/// insertion order, not the data).
pub async fn star_tables(
    warehouse: &Warehouse,
    schema: &dwh_core::Schema,
) -> std::collections::BTreeMap<&'static str, Vec<String>> {
    let mut out = std::collections::BTreeMap::new();
    for table in schema.tables().iter().filter(|t| t.load.is_some()) {
        let columns: Vec<String> = table
            .loaded_columns()
            .map(|c| format!("COALESCE(CAST(\"{}\" AS TEXT), 'NULL')", c.name))
            .collect();
        let sql = format!(
            "SELECT {} FROM \"{}\"",
            columns.join(" || '|' || "),
            table.name
        );
        let rows = warehouse.client().query(&sql, &[]).await.unwrap();
        let mut rows: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
        rows.sort();
        out.insert(table.name, rows);
    }
    out
}

/// A fresh, empty database for one test, connected.
pub async fn fresh_warehouse(name: &str) -> (Warehouse, String) {
    let url = engine()
        .await
        .create_database(name)
        .await
        .expect("create test database");
    let warehouse = Warehouse::connect(&url, Dialect::Postgres)
        .await
        .expect("connect to test database");
    (warehouse, url)
}

/// The Sparkify staging tables with their sources below `dir`.
pub fn sparkify_sources(dir: &Path) -> Vec<(&'static Table, Arc<dyn Source>)> {
    project_sources(&sparkify::project(), dir)
}

/// A project's staging tables with their sources below `dir`.
pub fn project_sources(
    project: &dwh_core::Project,
    dir: &Path,
) -> Vec<(&'static Table, Arc<dyn Source>)> {
    project
        .sources()
        .iter()
        .map(|s| {
            let source = s.below(dir);
            (s.table, Arc::new(source) as Arc<dyn Source>)
        })
        .collect()
}

/// Every `*.json` file below `dir`, sorted.
pub fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read data dir") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Every JSON value in the files below `dir` (one object per file, several,
/// or JSON lines), read with serde_json, independently of dwh's loader.
pub fn json_objects(dir: &Path) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    for path in json_files(dir) {
        let text = std::fs::read_to_string(&path).expect("read data file");
        let values = serde_json::Deserializer::from_str(&text).into_iter();
        out.extend(values.map(|v| v.expect("sample data is valid JSON")));
    }
    out
}

/// One `dwh all` of `project` over the files of `dir`, as the CLI runs
/// it: dwh-core's [`Run`], the files the load ledger lacks (under
/// `policy`), the checks of what it added, the analyses.
pub async fn run_dir(
    warehouse: &mut Warehouse,
    project: &Project,
    dir: &Path,
    policy: BatchPolicy,
) -> Result<RunReport, RunError> {
    let files = Files {
        sources: project_sources(project, dir),
        ..Files::default()
    };
    run_files(warehouse, project, files, policy).await
}

/// One `dwh all` of `project` over `files` (see [`run_dir`]).
pub async fn run_files(
    warehouse: &mut Warehouse,
    project: &Project,
    files: Files,
    policy: BatchPolicy,
) -> Result<RunReport, RunError> {
    let mut report = RunReport::default();
    Run::new(project, warehouse)
        .files(files)
        .policy(policy)
        .execute(&mut report, &mut ())
        .await?;
    Ok(report)
}

/// Asserts that every check of `report` passed.
pub fn assert_checks_passed(report: &RunReport) {
    let failed: Vec<_> = report.checks.iter().filter(|c| !c.passed).collect();
    assert!(failed.is_empty(), "checks failed: {failed:#?}");
}

/// Builds the Sparkify warehouse from the files of `dir` the load ledger
/// lacks: one run, which must succeed.
pub async fn build_sparkify(warehouse: &mut Warehouse, dir: &Path) {
    let project = sparkify::project();
    run_dir(warehouse, &project, dir, BatchPolicy::default())
        .await
        .expect("build the Sparkify warehouse");
}

/// A scratch copy of the files of `dir` under new names: the same records
/// arriving again as new files, which a run loads (the ledger knows files
/// by name) and the star schema must take in without a change.
pub fn again(dir: &Path, name: &str) -> PathBuf {
    let copy = scratch(&format!("{name}_again"));
    for file in walk(dir) {
        let relative = file.strip_prefix(dir).expect("below dir");
        let renamed = relative.with_file_name(format!(
            "again-{}",
            relative.file_name().unwrap().to_string_lossy()
        ));
        let to = copy.join(renamed);
        std::fs::create_dir_all(to.parent().unwrap()).expect("create folder");
        std::fs::copy(&file, &to).expect("copy file");
    }
    copy
}

/// Every file below `dir`, through symbolic links.
pub fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let path = entry.expect("dir entry").path();
        match path.is_dir() {
            true => out.extend(walk(&path)),
            false => out.push(path),
        }
    }
    out
}

/// Replaces the rows of the staging tables of `sources` with every file of
/// their sources, as `dwh load --full-refresh` does: one run of the
/// staging part, whatever the load ledger holds; on any error no staging
/// table changes. Each table's report, in order.
pub async fn load_staging(
    warehouse: &mut Warehouse,
    sources: Vec<(&'static Table, Arc<dyn Source>)>,
    options: LoadOptions,
) -> Result<Vec<StagingReport>, WarehouseError> {
    let schema = dwh_core::Schema::new(sources.iter().map(|(t, _)| *t)).expect("staging tables");
    // The files come from `sources`; the project's folders go unread.
    let project = sources
        .iter()
        .fold(Project::new("staging", schema), |p, (t, _)| {
            p.source_of(t, t.name, "*")
        })
        .build()
        .expect("a project");
    let files = Files {
        sources,
        options,
        ..Files::default()
    };
    let parts = Parts {
        staging: true,
        full_refresh: true,
        ..Parts::NONE
    };
    let policy = BatchPolicy {
        allow_missing_files: true,
        ..BatchPolicy::default()
    };
    let mut report = RunReport::default();
    let ran = Run::new(&project, warehouse)
        .part(parts)
        .policy(policy)
        .files(files)
        .execute(&mut report, &mut ())
        .await;
    match ran {
        Ok(()) => Ok(report.staging),
        Err(RunError::Warehouse(e)) => Err(e),
        Err(other) => panic!("a staging load: {other}"),
    }
}

/// Runs the Sparkify checks on `warehouse` and asserts that every one
/// passed; returns them.
pub async fn assert_sparkify_checks_pass(
    warehouse: &Warehouse,
) -> Vec<dwh_core::checks::CheckResult> {
    let results = dwh_core::checks::run(warehouse.client(), &sparkify::schema(), Dialect::Postgres)
        .await
        .expect("run the checks");
    let failed: Vec<String> = results
        .iter()
        .filter(|c| !c.passed)
        .map(|c| c.describe())
        .collect();
    assert!(failed.is_empty(), "failed checks: {failed:#?}");
    results
}

/// A fresh database holding the star schema built from the real sample.
pub async fn sample_warehouse(name: &str) -> Warehouse {
    let (mut warehouse, _) = fresh_warehouse(name).await;
    build_sparkify(&mut warehouse, &sample_data()).await;
    warehouse
}

/// What a warehouse binary printed, and how it ended.
#[derive(Debug)]
pub struct CliRun {
    /// The exit code (`None`: killed by a signal).
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl CliRun {
    /// Panics with both streams unless the run exited 0.
    pub fn success(self, what: &str) -> CliRun {
        assert_eq!(
            self.code,
            Some(0),
            "{what}:\n{}\n{}",
            self.stdout,
            self.stderr
        );
        self
    }
}

/// Runs a warehouse binary built on `dwh_cli::main` (`env!("CARGO_BIN_EXE_…")`)
/// with `args`, on the test engine's directory, without a terminal.
pub async fn run_cli(binary: &str, args: &[&str]) -> CliRun {
    let engine = engine().await;
    let output = std::process::Command::new(binary)
        .args(args)
        .env("DWH_LOCAL_DIR", engine.dir())
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run the warehouse binary");
    CliRun {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}
