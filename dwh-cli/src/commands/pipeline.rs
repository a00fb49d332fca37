//! `dwh all` and the single-step subcommands.

use std::process::ExitCode;

use dwh_core::sql::Dialect;
use dwh_core::{Schema, Warehouse};
use sparkify::analysis::Analysis;

use super::analysis_view::{analysis_json, print_analysis};
use super::data::data_dir;
use super::local::database_url;
use super::run::Run;
use super::steps::{check_step, connect, load_step, table_counts, transform_step};
use crate::cli::{AllArgs, AnalyzeArgs, LoadArgs, WarehouseArgs};

/// Exit code when the pipeline ran but a data-quality check failed.
const CHECKS_FAILED: u8 = 2;

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
        .step("analysis", |_| None, async {
            Ok(Analysis::run(&warehouse, top).await?)
        })
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
