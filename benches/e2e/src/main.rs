//! `dwh-bench`: the end-to-end load benchmark.
//!
//! For each size: generates the data (once; reused after), runs the whole
//! `dwh all` path in a child process (step times and peak RSS), exports the
//! loaded events to CSV with PostgreSQL itself, then times dwh's staging
//! load of the JSON, and of the same events as CSV and Parquet, against
//! psql's `\copy` of that CSV into the same table, interleaved. Results go
//! to `results.md` and `results.json`.
//!
//! ```sh
//! cargo run --release -p dwh-bench -- --sizes sample,100k,1m
//! ```

mod args;
mod child;
mod formats;
mod hand;
mod load_child;
mod machine;
mod new_days;
mod plans;
mod rebuild;
mod report;
mod rotation;
mod side_by_side;
mod targets;
mod verdict;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use dwh_core::local::{LocalEngine, PgBinaries};
use sparkify::gen::GenConfig;

use args::{Args, Size, USAGE};
use child::{AllRun, Mode};
use report::{GenRun, Report, SizeResult};
use side_by_side::{events_table, Psql};

/// Seed of generated data sets (the one `dwh all` uses).
const SEED: u64 = 42;
/// The database the benchmark loads into, replaced for every size.
const DATABASE: &str = "dwh_bench";
/// The copy of the warehouse a re-run goes into.
const RERUN_DATABASE: &str = "dwh_bench_rerun";
/// The copy of the warehouse that new days go into.
const NEW_DAY_DATABASE: &str = "dwh_bench_day";

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1).peekable();
    if args.peek().map(String::as_str) == Some(load_child::LOAD_ARG) {
        args.next();
        return match load_child::main(args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("dwh-bench (load): {e}");
                ExitCode::FAILURE
            }
        };
    }
    if args.peek().map(String::as_str) == Some(child::CHILD_ARG) {
        args.next();
        return match child::main(args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("dwh-bench (all): {e}");
                ExitCode::FAILURE
            }
        };
    }
    let args = match Args::parse(args, workspace().join("target")) {
        Ok(args) => args,
        Err(e) if e.is_empty() => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("dwh-bench: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    match runtime.block_on(run(&args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("dwh-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace this binary was built from.
fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("benches/e2e lives in the workspace")
        .to_owned()
}

async fn run(args: &Args) -> Result<(), String> {
    if cfg!(debug_assertions) {
        eprintln!("warning: a debug build; measure with `cargo run --release -p dwh-bench`");
    }
    std::fs::create_dir_all(&args.out).map_err(|e| format!("{}: {e}", args.out.display()))?;
    let engine = LocalEngine::ensure(&args.engine_dir)
        .await
        .map_err(|e| e.to_string())?;
    eprintln!("engine: {} in {}", engine.url(), engine.dir().display());
    let psql_bin = PgBinaries::discover()
        .map_err(|e| e.to_string())?
        .bindir()
        .join("psql");
    let machine = machine::Machine::describe(&engine.url()).await?;

    let mut sizes = Vec::new();
    for size in &args.sizes {
        eprintln!("== {}", size.label());
        let result = measure(args, &engine, &psql_bin, size).await?;
        eprintln!(
            "   staging load {:.0} events/s ({:.0} MB/s JSON), \\copy {:.0} rows/s: {:.2}×; all {:.2} s (re-run {:.2} s); peak RSS {:.0} MB",
            result.dwh_events_per_s(),
            result.dwh_json_mb_per_s(),
            result.psql_rows_per_s(),
            result.ratio(),
            result.all.total_s,
            result.rerun.total_s,
            result.all.peak_rss_kib.max(result.rerun.peak_rss_kib) as f64 / 1024.0
        );
        sizes.push(result);
        // Written after every size, so a long run keeps what it measured.
        let report = Report {
            machine: machine.clone(),
            runs: args.runs,
            sizes: sizes.clone(),
        };
        write_report(args, &report)?;
    }
    let report = Report {
        machine,
        runs: args.runs,
        sizes,
    };
    println!("{}", markdown(&report));
    eprintln!(
        "written: {} and {}",
        args.out.join("results.md").display(),
        args.out.join("results.json").display()
    );
    if !args.keep_database {
        drop_database(&engine).await?;
    }
    if args.stop_engine {
        LocalEngine::stop(&args.engine_dir)
            .await
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// The report's tables, then the targets of issue 28.
fn markdown(report: &Report) -> String {
    report.markdown() + &targets::table(&report.sizes)
}

fn write_report(args: &Args, report: &Report) -> Result<(), String> {
    let write = |name: &str, text: String| {
        let path = args.out.join(name);
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))
    };
    write("results.md", markdown(report))?;
    write(
        "results.json",
        serde_json::to_string_pretty(report).expect("serializes"),
    )
}

async fn measure(
    args: &Args,
    engine: &LocalEngine,
    psql_bin: &Path,
    size: &Size,
) -> Result<SizeResult, String> {
    let (data, generated) = data_set(args, size).await?;
    let (url, all_each, rerun_each) = all_runs(args, engine, &data).await?;
    let new_days = match size {
        Size::Events(n) => Some(measure_new_days(args, engine, &data, *n).await?),
        Size::Sample => None,
    };
    let days = new_days.iter().flat_map(|d| &d.runs);
    refuse_failed_checks(all_each.iter().chain(&rerun_each).chain(days))?;
    let (all, rerun) = (best_run(&all_each), best_run(&rerun_each));
    print_shares(&all);
    let hand = "hand-written INSERT … SELECT DISTINCT ON transform";
    let hand_transform_s =
        baseline_runs(args.all_runs, &all, hand, || hand::transform(&url)).await?;
    let rebuild = "parallel CREATE TABLE AS rebuild, 2 connections";
    let rebuild_s = baseline_runs(args.all_runs, &all, rebuild, || rebuild::rebuild(&url)).await?;
    write_plans(args, &url, size).await?;
    let events = all
        .staging_rows
        .iter()
        .find(|(t, _)| t == events_table().name)
        .map_or(0, |(_, n)| *n);
    let songs = all.staging_rows.iter().map(|(_, n)| n).sum::<u64>() - events;
    let psql = Psql {
        bin: psql_bin.to_owned(),
        url,
    };
    let event_json_bytes = json_bytes(&data.join("log_data"));
    let times = rotation::side_by_side(
        args.runs,
        &args.out,
        &psql,
        &data.join("log_data"),
        (events, event_json_bytes),
    )?;
    Ok(SizeResult {
        size: size.label(),
        data_dir: data.display().to_string(),
        events,
        songs,
        event_json_bytes,
        generated,
        dwh_load_s: times.formats[0].load_s.clone(),
        analyze_s: times.analyze,
        psql_copy_s: times.csv,
        psql_binary_s: times.binary,
        formats: times.formats,
        hand_transform_s,
        rebuild_s,
        all,
        rerun,
        all_each,
        new_days,
    })
}

/// An error when any of `runs` had a failed check.
fn refuse_failed_checks<'a>(runs: impl Iterator<Item = &'a AllRun>) -> Result<(), String> {
    let failed = runs.map(|r| r.checks_failed).sum::<usize>();
    if failed > 0 {
        return Err(format!(
            "{failed} data-quality checks failed: a run that builds wrong tables has no figures"
        ));
    }
    Ok(())
}

/// A baseline transform (`name`, run by `baseline`) `runs` times from the
/// staging tables dwh loaded; seconds, each run, printed against dwh's best.
async fn baseline_runs<F, Fut>(
    runs: usize,
    all: &AllRun,
    name: &str,
    baseline: F,
) -> Result<Vec<f64>, String>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<f64, String>>,
{
    let mut secs = Vec::new();
    for _ in 0..runs {
        let s = baseline().await?;
        eprintln!(
            "   {name}: {s:.2} s (dwh's best {:.2}× of it)",
            all.transform_s / s
        );
        secs.push(s);
    }
    Ok(secs)
}

/// `all` on a fresh database and re-run on the same data, `--all-runs`
/// times; the database's URL and every run of each. The re-run goes into
/// a copy: it finds no new file and empties staging, which the
/// hand-written transform and the staging loads after it read.
async fn all_runs(
    args: &Args,
    engine: &LocalEngine,
    data: &Path,
) -> Result<(String, Vec<AllRun>, Vec<AllRun>), String> {
    let (mut all, mut rerun) = (Vec::new(), Vec::new());
    let mut url = String::new();
    for _ in 0..args.all_runs {
        url = engine
            .create_database(DATABASE)
            .await
            .map_err(|e| e.to_string())?;
        let first = child::spawn(&args.engine_dir, data, &url, Mode::Full)?;
        eprintln!("   dwh all, fresh database: {:.2} s", first.total_s);
        let copy = new_days::copy_database(engine, DATABASE, RERUN_DATABASE).await?;
        let again = child::spawn(&args.engine_dir, data, &copy, Mode::Incremental)?;
        new_days::drop_database(engine, RERUN_DATABASE).await?;
        eprintln!("   dwh all, re-run (no new file): {:.2} s", again.total_s);
        all.push(first);
        rerun.push(again);
    }
    Ok((url, all, rerun))
}

/// Every statement's plan into `plans-SIZE.md`; the slowest printed.
async fn write_plans(args: &Args, url: &str, size: &Size) -> Result<(), String> {
    let statement_plans = plans::explain(url, &sparkify::project()).await?;
    let plans_file = args.out.join(format!("plans-{}.md", size.label()));
    std::fs::write(
        &plans_file,
        plans::markdown(&size.label(), &statement_plans),
    )
    .map_err(|e| format!("{}: {e}", plans_file.display()))?;
    if let Some(slowest) = statement_plans
        .iter()
        .max_by(|a, b| a.millis.total_cmp(&b.millis))
    {
        eprintln!(
            "   slowest statement: {} {} ({:.0} ms; every plan in {}):\n{}",
            slowest.step,
            slowest.label,
            slowest.millis,
            plans_file.display(),
            slowest.plan
        );
    }
    Ok(())
}

/// `--days` new days of `--day-events` events into a copy of the
/// warehouse `all` built from the data set of `events` events.
async fn measure_new_days(
    args: &Args,
    engine: &LocalEngine,
    data: &Path,
    events: u64,
) -> Result<new_days::NewDays, String> {
    let config = gen_config(events);
    let days = new_days::Days {
        data,
        config: &config,
        events: args.day_events,
        count: args.days,
        built: DATABASE,
        database: NEW_DAY_DATABASE,
    };
    new_days::measure(engine, &args.engine_dir, &args.out, &days).await
}

/// The generator's configuration of a data set of `events` events.
fn gen_config(events: u64) -> GenConfig {
    GenConfig {
        events,
        // Proportional songs, as `dwh all` generates them.
        songs: (events / 20).max(50),
        seed: SEED,
        ..GenConfig::default()
    }
}

/// Each step's share of a whole `all`.
fn print_shares(all: &AllRun) {
    let steps = [
        ("load staging", all.load_s),
        ("transform", all.transform_s),
        ("checks", all.checks_s),
        ("analysis", all.analysis_s),
    ];
    let shares: Vec<String> = steps
        .iter()
        .map(|(step, s)| format!("{step} {:.0}%", 100.0 * s / all.total_s))
        .collect();
    eprintln!(
        "   shares of all ({:.2} s, {:.2}× the staging load): {}",
        all.total_s,
        all.total_s / all.load_s,
        shares.join(", ")
    );
}

/// The fastest of `runs`, with the highest peak RSS of them.
fn best_run(runs: &[AllRun]) -> AllRun {
    let mut best = runs
        .iter()
        .min_by(|a, b| a.total_s.total_cmp(&b.total_s))
        .expect("at least one run")
        .clone();
    best.peak_rss_kib = runs.iter().map(|r| r.peak_rss_kib).max().unwrap_or(0);
    best
}

/// The data of `size`: the sample, or a generated data set (made once).
async fn data_set(args: &Args, size: &Size) -> Result<(PathBuf, Option<GenRun>), String> {
    let events = match size {
        Size::Sample => {
            // As the tests find it: DWH_SAMPLE_DIR, else beside the checkout.
            let dir = std::env::var_os("DWH_SAMPLE_DIR").map_or_else(
                || workspace().join("../shared/data/sparkify"),
                PathBuf::from,
            );
            return if dir.is_dir() {
                Ok((dir, None))
            } else {
                Err(format!("no sample data at {}", dir.display()))
            };
        }
        Size::Events(n) => *n,
    };
    let dir = args.data_dir.join(format!("sparkify-{events}-{SEED}"));
    if dir.join(".complete").exists() {
        return Ok((dir, None));
    }
    let _ = std::fs::remove_dir_all(&dir);
    let config = gen_config(events);
    eprintln!("   generating {events} events into {}", dir.display());
    let out = dir.clone();
    let started = Instant::now();
    let summary = tokio::task::spawn_blocking(move || sparkify::gen::generate(&config, &out))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| format!("generating into {}: {e}", dir.display()))?;
    let secs = started.elapsed().as_secs_f64();
    std::fs::write(dir.join(".complete"), b"").map_err(|e| e.to_string())?;
    Ok((
        dir,
        Some(GenRun {
            secs,
            events: summary.events,
            bytes: summary.bytes,
        }),
    ))
}

/// Bytes of the `*.json` files below `dir`.
fn json_bytes(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| {
            let path = e.path();
            if path.is_dir() {
                json_bytes(&path)
            } else if path.extension().is_some_and(|x| x == "json") {
                e.metadata().map_or(0, |m| m.len())
            } else {
                0
            }
        })
        .sum()
}

/// Drops the benchmark's database: a 10M-event one takes gigabytes.
async fn drop_database(engine: &LocalEngine) -> Result<(), String> {
    let warehouse = dwh_core::Warehouse::connect(&engine.url(), dwh_core::sql::Dialect::Postgres)
        .await
        .map_err(|e| e.to_string())?;
    warehouse
        .client()
        .batch_execute(&format!("DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))
        .await
        .map_err(|e| e.to_string())
}
