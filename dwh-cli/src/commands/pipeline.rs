//! `dwh all` and the single-step subcommands.

use std::io::IsTerminal;
use std::process::ExitCode;

use anyhow::bail;
use dwh_core::sql::Dialect;
use dwh_core::{Schema, Warehouse};
use sparkify::analysis::Analysis;

use super::analysis_view::{analysis_json, print_analysis};
use super::charts;
use super::data::data_dir;
use super::local::{database_url, uses_demo};
use super::run::Run;
use super::steps::{
    check_step, connect, connect_writer, failed_checks, load_step, lock, table_counts,
    transform_step,
};
use crate::cli::{
    AllArgs, AnalyzeArgs, CreateTablesArgs, DropTablesArgs, LoadArgs, Target, WarehouseArgs,
};
use crate::report::StepStatus;
use crate::ui;

/// Exit code when the pipeline ran but a data-quality check failed.
const CHECKS_FAILED: u8 = 2;

pub async fn all(args: &AllArgs) -> anyhow::Result<ExitCode> {
    if args.fresh && args.target == Target::Redshift {
        bail!(
            "--fresh is not available with --target redshift yet: its COPY runs in a transaction \
             of its own, so dropping the tables first could lose the warehouse on a failed load; \
             run `dwh drop-tables` against the cluster instead"
        );
    }
    if args.warehouse.no_wait && args.target == Target::Redshift {
        bail!(
            "--no-wait is not available with --target redshift: there the run lock is \
             `LOCK dwh_registry`, which waits for the other run; leave out --no-wait"
        );
    }
    let schema = sparkify::schema();
    let mut run = Run::default();
    let outcome = match args.target {
        Target::Local => all_steps(&mut run, args, &schema).await,
        Target::Redshift => super::redshift::all_steps(&mut run, args, &schema).await,
    };
    let failed = failed_checks(&run.report.checks);
    let step_failed = run
        .report
        .steps
        .iter()
        .any(|s| s.status == StepStatus::Failed);
    if outcome.is_err() || failed.is_some() || step_failed {
        run.report.status = StepStatus::Failed;
    }
    run.print_summary();
    if let Some(path) = &args.report {
        run.report.write(path)?;
        eprintln!("run report written to {}", path.display());
    }
    outcome?;
    checks_exit(failed)
}

/// The last line and exit code after the checks: 2 when one failed.
fn checks_exit(failed: Option<String>) -> anyhow::Result<ExitCode> {
    match failed {
        Some(line) => {
            eprintln!("✘ {line}");
            Ok(ExitCode::from(CHECKS_FAILED))
        }
        None => Ok(ExitCode::SUCCESS),
    }
}

/// Every step of `dwh all`; the number of failed checks.
async fn all_steps(run: &mut Run, args: &AllArgs, schema: &Schema) -> anyhow::Result<usize> {
    let dir = data_dir(run, &args.data, args.events, &args.warehouse.local).await?;
    let demo = uses_demo(&args.warehouse, &args.data);
    let url = run
        .step(
            "start warehouse",
            |_| None,
            database_url(&args.warehouse, demo),
        )
        .await?;
    let mut warehouse = Warehouse::connect(&url, Dialect::Postgres).await?;
    lock(&warehouse, args.warehouse.no_wait).await?;
    // Tables, staging and star schema change in one transaction: a failure,
    // Ctrl-C or a killed dwh before the commit leaves the warehouse as it was
    // (with --fresh: the old tables too).
    let batch = warehouse.begin().await?;
    if args.fresh {
        run.step(
            "drop dwh's tables (--fresh)",
            |dropped: &Vec<&str>| Some(dropped.len() as u64),
            async { Ok(batch.drop_own_tables(schema).await?) },
        )
        .await?;
    }
    run.step(
        "create tables",
        |_| Some(schema.tables().len() as u64),
        async { Ok(batch.create_tables(schema).await?) },
    )
    .await?;
    run.report.staging = load_step(run, &batch, &dir, &args.data).await?;
    run.report.transform = transform_step(run, &batch, schema).await?;
    batch.commit().await?;
    run.report.checks = check_step(run, &warehouse, schema).await?;
    let top = args.top;
    let analysis = run
        .step("analysis", |_| None, async {
            Ok(Analysis::run(&warehouse, top).await?)
        })
        .await?;
    print_analysis(&analysis);
    charts::step(run, &analysis, args.charts.as_deref()).await?;
    run.report.analysis = analysis_json(&analysis);
    table_counts(&warehouse, schema, &mut run.report).await?;
    Ok(run.report.checks.iter().filter(|c| !c.passed).count())
}

pub async fn create_tables(args: &CreateTablesArgs) -> anyhow::Result<ExitCode> {
    let schema = sparkify::schema();
    let mut warehouse = connect_writer(&args.warehouse, args.warehouse.demo).await?;
    let batch = warehouse.begin().await?;
    if args.adopt {
        let adopted = batch.adopt_tables(&schema).await?;
        if !adopted.is_empty() {
            eprintln!("✔ adopted {} tables: {}", adopted.len(), adopted.join(", "));
        }
    } else {
        batch.create_tables(&schema).await?;
    }
    batch.commit().await?;
    eprintln!("✔ {} tables ready", schema.tables().len());
    Ok(ExitCode::SUCCESS)
}

pub async fn drop_tables(args: &DropTablesArgs) -> anyhow::Result<ExitCode> {
    if !args.yes && !std::io::stdin().is_terminal() {
        bail!("refusing to drop tables without confirmation: no terminal to ask on; pass --yes");
    }
    let schema = sparkify::schema();
    let mut warehouse = connect_writer(&args.warehouse, args.warehouse.demo).await?;
    let database = warehouse.database().await?;
    let tables = warehouse.owned_tables(&schema).await?;
    if tables.is_empty() {
        eprintln!("database `{database}` holds no tables of dwh's; nothing to drop");
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!(
        "dwh will drop these {} tables of database `{database}`, with their rows: {}",
        tables.len(),
        tables.join(", ")
    );
    if !args.yes && !ui::confirm("Drop them?")? {
        eprintln!("nothing dropped");
        return Ok(ExitCode::from(1));
    }
    let batch = warehouse.begin().await?;
    let dropped = batch.drop_own_tables(&schema).await?;
    batch.commit().await?;
    eprintln!("✔ dropped {} tables", dropped.len());
    Ok(ExitCode::SUCCESS)
}

pub async fn load(args: &LoadArgs) -> anyhow::Result<ExitCode> {
    let mut run = Run::default();
    let dir = data_dir(&mut run, &args.data, 20_000, &args.warehouse.local).await?;
    let demo = uses_demo(&args.warehouse, &args.data);
    let mut warehouse = connect_writer(&args.warehouse, demo).await?;
    let batch = warehouse.begin().await?;
    batch.check_owned(&sparkify::schema()).await?;
    load_step(&mut run, &batch, &dir, &args.data).await?;
    batch.commit().await?;
    Ok(ExitCode::SUCCESS)
}

pub async fn transform(args: &WarehouseArgs) -> anyhow::Result<ExitCode> {
    let schema = sparkify::schema();
    let mut warehouse = connect_writer(args, args.demo).await?;
    let batch = warehouse.begin().await?;
    batch.check_owned(&schema).await?;
    transform_step(&mut Run::default(), &batch, &schema).await?;
    batch.commit().await?;
    Ok(ExitCode::SUCCESS)
}

pub async fn check(args: &WarehouseArgs) -> anyhow::Result<ExitCode> {
    let schema = sparkify::schema();
    let warehouse = connect(args).await?;
    let results = check_step(&mut Run::default(), &warehouse, &schema).await?;
    checks_exit(failed_checks(&results))
}

pub async fn analyze(args: &AnalyzeArgs) -> anyhow::Result<ExitCode> {
    let warehouse = connect(&args.warehouse).await?;
    let analysis = Analysis::run(&warehouse, args.top).await?;
    print_analysis(&analysis);
    if let Some(dir) = &args.charts {
        charts::list(&charts::write(&analysis, dir)?);
    }
    Ok(ExitCode::SUCCESS)
}
