//! The pipeline steps as subcommands, and `dwh all` running them in order.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use dwh_core::checks::{self, CheckResult};
use dwh_core::load::{LoadOptions, LoadProgress, LocalDir, Source, StagingReport};
use dwh_core::sql::Dialect;
use dwh_core::warehouse::TransformReport;
use dwh_core::{Schema, Warehouse};
use indicatif::ProgressBar;
use sparkify::analysis::Analysis;

use super::local::{database_url, engine_dir};
use crate::cli::{AllArgs, AnalyzeArgs, DataArgs, LoadArgs, WarehouseArgs};
use crate::report::{RunReport, StepRecord, StepStatus};
use crate::ui;

/// Exit code when the pipeline ran but a data-quality check failed.
const CHECKS_FAILED: u8 = 2;

/// Runs steps with a spinner each, recording them for the summary and report.
#[derive(Default)]
struct Run {
    report: RunReport,
}

impl Run {
    async fn step<T, F>(&mut self, name: &str, rows: impl Fn(&T) -> Option<u64>, work: F) -> anyhow::Result<T>
    where
        F: Future<Output = anyhow::Result<T>>,
    {
        let bar = ui::spinner(name);
        self.step_with(name, &bar, rows, work).await
    }

    async fn step_with<T, F>(
        &mut self,
        name: &str,
        bar: &ProgressBar,
        rows: impl Fn(&T) -> Option<u64>,
        work: F,
    ) -> anyhow::Result<T>
    where
        F: Future<Output = anyhow::Result<T>>,
    {
        let started = Instant::now();
        let result = work.await;
        let record = StepRecord {
            step: name.to_owned(),
            status: if result.is_ok() { StepStatus::Ok } else { StepStatus::Failed },
            rows: result.as_ref().ok().and_then(&rows),
            duration: started.elapsed(),
            error: result.as_ref().err().map(|e| format!("{e:#}")),
        };
        ui::finish(bar, &record);
        self.report.steps.push(record);
        result
    }

    fn print_summary(&self) {
        let rows = self
            .report
            .steps
            .iter()
            .map(|s| {
                vec![
                    s.step.clone(),
                    format!("{:?}", s.status).to_lowercase(),
                    s.rows.map(ui::thousands).unwrap_or_default(),
                    ui::human_duration(s.duration),
                ]
            })
            .collect();
        println!("{}", ui::table(&["step", "status", "rows", "duration"], rows));
        let total: Duration = self.report.steps.iter().map(|s| s.duration).sum();
        println!("total {}", ui::human_duration(total));
    }
}

async fn connect(args: &WarehouseArgs) -> anyhow::Result<Warehouse> {
    let url = database_url(args).await?;
    Ok(Warehouse::connect(&url, Dialect::Postgres).await?)
}

/// The data directory: `--data`, or a small generated data set (made once
/// and reused: generation is deterministic).
async fn data_dir(run: &mut Run, data: &DataArgs, events: u64, local: &crate::cli::LocalArgs) -> anyhow::Result<PathBuf> {
    if let Some(dir) = &data.data {
        return Ok(dir.clone());
    }
    let seed = 42;
    let songs = (events / 20).max(50);
    let base = engine_dir(local).parent().map(Path::to_path_buf).unwrap_or_default();
    let dir = base.join(format!("dwh-data/sparkify-{events}-{seed}"));
    if dir.join(".complete").exists() {
        return Ok(dir);
    }
    let config = super::gen::config(events, songs, seed);
    let out = dir.clone();
    run.step(
        &format!("generate {} events", ui::thousands(events)),
        |s: &dwh_core::gen::GenSummary| Some(s.events),
        async move {
            let summary = tokio::task::spawn_blocking(move || dwh_core::gen::generate(&config, &out))
                .await?
                .with_context(|| format!("generating data into {}", dir.display()))?;
            std::fs::write(dir.join(".complete"), b"")?;
            Ok(summary)
        },
    )
    .await?;
    Ok(base.join(format!("dwh-data/sparkify-{events}-{seed}")))
}

/// The staging tables with their sources below `dir`.
fn sources(dir: &Path) -> anyhow::Result<Vec<(&'static dwh_core::schema::Table, Arc<dyn Source>)>> {
    if !dir.is_dir() {
        bail!("data directory {} does not exist", dir.display());
    }
    sparkify::staging_dirs()
        .into_iter()
        .map(|(table, sub)| {
            let path = dir.join(sub);
            if !path.is_dir() {
                bail!(
                    "{} has no {sub}/ directory; a Sparkify data directory holds log_data/ and song_data/",
                    dir.display()
                );
            }
            Ok((table, Arc::new(LocalDir::new(path)) as Arc<dyn Source>))
        })
        .collect()
}

async fn load_step(run: &mut Run, warehouse: &mut Warehouse, dir: &Path, data: &DataArgs) -> anyhow::Result<Vec<StagingReport>> {
    let loads = sources(dir)?;
    let progress: Vec<Arc<LoadProgress>> = loads.iter().map(|_| Arc::default()).collect();
    let options = LoadOptions {
        max_errors: data.max_errors,
        rejects: Some(data.rejects.clone()),
    };
    let bar = ui::spinner(format!("load staging from {}", dir.display()));
    let ticker = spawn_ticker(bar.clone(), progress.clone());
    let result = run
        .step_with(
            "load staging",
            &bar,
            |r: &Vec<StagingReport>| Some(r.iter().map(|s| s.rows).sum()),
            async { Ok(warehouse.load_staging(&loads, &options, &progress).await?) },
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
                (Some(path), n) if n > 0 => format!(", {n} bad records skipped into {}", path.display()),
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
            let records: u64 = progress.iter().map(|p| p.records.load(Ordering::Relaxed)).sum();
            let bytes: u64 = progress.iter().map(|p| p.bytes.load(Ordering::Relaxed)).sum();
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

async fn transform_step(run: &mut Run, warehouse: &mut Warehouse, schema: &Schema) -> anyhow::Result<Vec<TransformReport>> {
    let reports = run
        .step(
            "build star schema",
            |r: &Vec<TransformReport>| Some(r.iter().map(|t| t.rows_after - t.rows_before).sum()),
            async { Ok(warehouse.transform(schema).await?) },
        )
        .await?;
    for r in &reports {
        eprintln!(
            "    {}: {} rows (+{})",
            r.table,
            ui::thousands(r.rows_after),
            ui::thousands(r.rows_after - r.rows_before)
        );
    }
    Ok(reports)
}

async fn check_step(run: &mut Run, warehouse: &Warehouse, schema: &Schema) -> anyhow::Result<Vec<CheckResult>> {
    let results = run
        .step(
            "data-quality checks",
            |r: &Vec<CheckResult>| Some(r.len() as u64),
            async { Ok(checks::run(warehouse.client(), schema).await?) },
        )
        .await?;
    print_checks(&results);
    Ok(results)
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
    println!("{}", ui::table(&["table", "failed check", "rows", "examples"], rows));
}

async fn table_counts(warehouse: &Warehouse, schema: &Schema, report: &mut RunReport) -> anyhow::Result<()> {
    for table in schema.tables() {
        report
            .tables
            .insert(table.name.to_owned(), warehouse.row_count(table).await?);
    }
    Ok(())
}

fn print_analysis(analysis: &Analysis) {
    let section = |title: &str| println!("\n{title}");
    section("Top songs");
    println!(
        "{}",
        ui::table(
            &["title", "artist", "plays"],
            analysis
                .top_songs
                .iter()
                .map(|s| vec![s.title.clone(), s.artist.clone(), ui::thousands(s.plays as u64)])
                .collect()
        )
    );
    section("Most active users");
    println!(
        "{}",
        ui::table(
            &["user", "name", "level", "plays"],
            analysis
                .active_users
                .iter()
                .map(|u| {
                    let name = [u.first_name.as_deref(), u.last_name.as_deref()]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(" ");
                    vec![u.user_id.to_string(), name, u.level.clone(), ui::thousands(u.plays as u64)]
                })
                .collect()
        )
    );
    section("Plays by level");
    println!(
        "{}",
        ui::table(
            &["level", "plays"],
            analysis
                .plays_by_level
                .iter()
                .map(|p| vec![p.level.clone(), ui::thousands(p.plays as u64)])
                .collect()
        )
    );
    section("Plays by hour of day");
    println!("{}", bars(analysis.plays_by_hour.iter().map(|p| (format!("{:02}h", p.bucket), p.plays))));
    section("Plays by weekday");
    const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    println!(
        "{}",
        bars(analysis.plays_by_weekday.iter().map(|p| {
            (DAYS.get(p.bucket as usize).copied().unwrap_or("?").to_owned(), p.plays)
        }))
    );
    section("Users by gender and level");
    println!(
        "{}",
        ui::table(
            &["gender", "level", "users"],
            analysis
                .users_by_gender_level
                .iter()
                .map(|u| vec![u.gender.clone().unwrap_or_default(), u.level.clone(), u.users.to_string()])
                .collect()
        )
    );
    for (title, ranked) in [("Top locations", &analysis.top_locations), ("Top user agents", &analysis.top_user_agents)] {
        section(title);
        println!(
            "{}",
            ui::table(
                &["value", "plays"],
                ranked
                    .iter()
                    .map(|r| vec![r.value.clone().unwrap_or_default(), ui::thousands(r.plays as u64)])
                    .collect()
            )
        );
    }
}

/// A small horizontal bar chart in text.
fn bars(values: impl Iterator<Item = (String, i64)>) -> String {
    let values: Vec<(String, i64)> = values.collect();
    let max = values.iter().map(|(_, v)| *v).max().unwrap_or(1).max(1);
    values
        .iter()
        .map(|(label, v)| {
            let width = (*v as f64 / max as f64 * 40.0).round() as usize;
            format!("{label:>4} {:<40} {}", "█".repeat(width), ui::thousands(*v as u64))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn analysis_json(analysis: &Analysis) -> std::collections::BTreeMap<String, serde_json::Value> {
    match serde_json::to_value(analysis) {
        Ok(serde_json::Value::Object(map)) => map.into_iter().collect(),
        _ => Default::default(),
    }
}

pub async fn all(args: &AllArgs) -> anyhow::Result<ExitCode> {
    let schema = sparkify::schema();
    let mut run = Run::default();
    let outcome = all_steps(&mut run, args, &schema).await;
    run.print_summary();
    if let Some(path) = &args.report {
        run.report.write(path)?;
        eprintln!("run report written to {}", path.display());
    }
    let failed_checks = outcome?;
    if failed_checks > 0 {
        eprintln!("✘ {failed_checks} data-quality checks failed");
        return Ok(ExitCode::from(CHECKS_FAILED));
    }
    Ok(ExitCode::SUCCESS)
}

/// Every step of `dwh all`; the number of failed checks.
async fn all_steps(run: &mut Run, args: &AllArgs, schema: &Schema) -> anyhow::Result<usize> {
    let dir = data_dir(run, &args.data, args.events, &args.warehouse.local).await?;
    let url = run
        .step("start warehouse", |_| None, database_url(&args.warehouse))
        .await?;
    let mut warehouse = Warehouse::connect(&url, Dialect::Postgres).await?;
    run.step(
        "create tables",
        |_| Some(schema.tables().len() as u64),
        async { Ok(warehouse.create_tables(schema).await?) },
    )
    .await?;
    run.report.staging = load_step(run, &mut warehouse, &dir, &args.data).await?;
    run.report.transform = transform_step(run, &mut warehouse, schema).await?;
    run.report.checks = check_step(run, &warehouse, schema).await?;
    let top = args.top;
    let analysis = run
        .step("analysis", |_| None, async { Ok(Analysis::run(&warehouse, top).await?) })
        .await?;
    print_analysis(&analysis);
    run.report.analysis = analysis_json(&analysis);
    table_counts(&warehouse, schema, &mut run.report).await?;
    Ok(run.report.checks.iter().filter(|c| !c.passed).count())
}

pub async fn create_tables(args: &WarehouseArgs) -> anyhow::Result<ExitCode> {
    let schema = sparkify::schema();
    let warehouse = connect(args).await?;
    warehouse.create_tables(&schema).await?;
    eprintln!("✔ {} tables ready", schema.tables().len());
    Ok(ExitCode::SUCCESS)
}

pub async fn drop_tables(args: &WarehouseArgs) -> anyhow::Result<ExitCode> {
    let schema = sparkify::schema();
    let warehouse = connect(args).await?;
    warehouse.drop_tables(&schema).await?;
    eprintln!("✔ dropped {} tables", schema.tables().len());
    Ok(ExitCode::SUCCESS)
}

pub async fn load(args: &LoadArgs) -> anyhow::Result<ExitCode> {
    let mut run = Run::default();
    let dir = data_dir(&mut run, &args.data, 20_000, &args.warehouse.local).await?;
    let mut warehouse = connect(&args.warehouse).await?;
    load_step(&mut run, &mut warehouse, &dir, &args.data).await?;
    Ok(ExitCode::SUCCESS)
}

pub async fn transform(args: &WarehouseArgs) -> anyhow::Result<ExitCode> {
    let schema = sparkify::schema();
    let mut warehouse = connect(args).await?;
    transform_step(&mut Run::default(), &mut warehouse, &schema).await?;
    Ok(ExitCode::SUCCESS)
}

pub async fn check(args: &WarehouseArgs) -> anyhow::Result<ExitCode> {
    let schema = sparkify::schema();
    let warehouse = connect(args).await?;
    let results = check_step(&mut Run::default(), &warehouse, &schema).await?;
    if results.iter().any(|c| !c.passed) {
        return Ok(ExitCode::from(CHECKS_FAILED));
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn analyze(args: &AnalyzeArgs) -> anyhow::Result<ExitCode> {
    let warehouse = connect(&args.warehouse).await?;
    let analysis = Analysis::run(&warehouse, args.top).await?;
    print_analysis(&analysis);
    Ok(ExitCode::SUCCESS)
}
