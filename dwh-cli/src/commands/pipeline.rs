//! `dwh all` and the single-step subcommands, on either target: the
//! target prepares a connection and a rendered run plan, and dwh-core's
//! one pipeline runs it.

use std::io::IsTerminal;
use std::process::ExitCode;

use anyhow::bail;
use dwh_core::checks::{self, failed_summary, CheckResult, Scope};
use dwh_core::pipeline::{self, Files, Loaded};
use dwh_core::sql::{Dialect, Parts, RunPlan};
use dwh_core::{Project, Warehouse};

use super::analysis_view::{analysis_json, print_analysis};
use super::charts;
use super::data::{self, Location};
use super::local::{database_url, uses_demo};
use super::redshift::RedshiftRun;
use super::run::Run;
use super::run_log;
use super::steps::{
    choose_batches, connect, connect_writer, files, load_ticker, local_plan, lock, print_checks,
    print_staging, print_transform, require_tables, table_counts,
};
use crate::cli::{
    AllArgs, AnalyzeArgs, CreateTablesArgs, DataArgs, DropTablesArgs, LoadArgs, Target,
    WarehouseArgs,
};
use crate::report::StepStatus;
use crate::ui;

/// Exit code when the pipeline ran but a data-quality check failed.
const CHECKS_FAILED: u8 = 2;

/// A run ready to execute: the connection, the rendered plan, and what
/// the staging load reads.
pub struct Prepared {
    pub warehouse: Warehouse,
    pub plan: RunPlan,
    /// The local engine's staging files (empty on Redshift).
    pub files: Files,
    /// Where the data comes from, for the load spinner.
    pub location: Option<Location>,
    /// On Redshift: what explains a failed COPY and completes the staging report.
    pub redshift: Option<RedshiftRun>,
}

pub async fn all(args: &AllArgs, project: &Project) -> anyhow::Result<ExitCode> {
    if args.warehouse.no_wait && args.target.target == Target::Redshift {
        bail!(
            "--no-wait is not available with --target redshift: there the run lock is \
             `LOCK dwh_registry`, which waits for the other run; leave out --no-wait"
        );
    }
    let mut run = Run::default();
    let outcome = all_steps(&mut run, args, project).await;
    let failed = failed_summary(&run.report.checks);
    let step_failed = run
        .report
        .steps
        .iter()
        .any(|s| s.status == StepStatus::Failed);
    if outcome.is_err() || failed.is_some() || step_failed {
        run.report.status = StepStatus::Failed;
    }
    if outcome.is_ok() {
        run.print_summary();
    }
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

/// Every step of `dwh all`, on the chosen target.
async fn all_steps(run: &mut Run, args: &AllArgs, project: &Project) -> anyhow::Result<()> {
    let parts = Parts {
        fresh: args.fresh,
        ..Parts::ALL
    };
    let mut prepared = match args.target.target {
        Target::Local => prepare_local(run, args, project, parts).await?,
        Target::Redshift => super::redshift::prepare(run, args, project, parts).await?,
    };
    if !args.fresh {
        // Before any write: a load into an older shape fails or fills it wrong.
        super::migrate::refuse_differing(&prepared.warehouse, project).await?;
    }
    let loaded = execute(run, &mut prepared).await?;
    let appended = pipeline::appended(project.schema(), &loaded);
    run.report.staging = loaded.staging;
    run.report.transform = loaded.transform;
    let warehouse = &prepared.warehouse;
    let queries = project.check_queries(checks::EXAMPLES);
    let scope = Scope::Appended(&appended);
    run.report.checks = pipeline::check(warehouse, &queries, scope, run).await?;
    print_checks(&run.report.checks);
    let results = pipeline::analyze(warehouse, project, args.top, run).await?;
    print_analysis(&results);
    charts::step(run, project, &results, args.charts.as_deref()).await?;
    run.report.analysis = analysis_json(&results);
    table_counts(warehouse, project, &mut run.report).await?;
    run_log::record(warehouse, project, &run.report).await;
    Ok(())
}

/// The local target: data, engine, run lock, and the plan.
async fn prepare_local(
    run: &mut Run,
    args: &AllArgs,
    project: &Project,
    parts: Parts,
) -> anyhow::Result<Prepared> {
    let location =
        data::resolve(run, &args.data, args.size, &args.warehouse.local, project).await?;
    let mut files = files(&location, project, &args.data)?;
    let demo = uses_demo(&args.warehouse, &args.data, project);
    let url = run
        .step(
            "start warehouse",
            |_| None,
            database_url(&args.warehouse, project, demo),
        )
        .await?;
    let warehouse = Warehouse::connect(&url, Dialect::Postgres).await?;
    lock(&warehouse, args.warehouse.no_wait).await?;
    let mut parts = parts;
    let generated = args.data.data.is_none() && project.generator().is_some();
    let batches = choose_batches(
        &warehouse,
        project,
        &mut files,
        &args.data,
        &mut parts,
        generated && demo,
    )
    .await?;
    Ok(Prepared {
        warehouse,
        plan: local_plan(project, parts, &batches)?,
        files,
        location: Some(location),
        redshift: None,
    })
}

/// Runs the plan's transaction and prints what it loaded. Tables, staging
/// and star schema change in one transaction: a failure, Ctrl-C or a
/// killed dwh before the commit leaves the warehouse as it was.
async fn execute(run: &mut Run, prepared: &mut Prepared) -> anyhow::Result<Loaded> {
    let ticker = prepared
        .location
        .as_ref()
        .map(|location| load_ticker(run, location, &prepared.files));
    let result = pipeline::execute(
        &mut prepared.warehouse,
        &prepared.plan,
        &prepared.files,
        run,
    )
    .await;
    if let Some(ticker) = ticker {
        ticker.abort();
    }
    let mut loaded = match (result, &prepared.redshift) {
        (Ok(loaded), _) => loaded,
        (Err(e), Some(redshift)) => return Err(redshift.explain(&prepared.warehouse, e).await),
        (Err(e), None) => return Err(e.into()),
    };
    if let Some(redshift) = &prepared.redshift {
        redshift.complete(&mut loaded.staging).await?;
    }
    print_staging(&loaded.staging);
    print_transform(&loaded.transform);
    Ok(loaded)
}

/// `create-tables`, `load` and `transform`: one part of the pipeline, with
/// the same lock, ownership check and transaction as `all`.
async fn part(
    warehouse: &WarehouseArgs,
    demo: bool,
    project: &Project,
    parts: Parts,
    location: Option<(Location, Files, &DataArgs)>,
) -> anyhow::Result<Run> {
    let mut run = Run::default();
    let warehouse = connect_writer(warehouse, project, demo).await?;
    let mut parts = parts;
    let (location, files, batches) = match location {
        Some((location, mut files, data)) => {
            let generated = data.data.is_none() && project.generator().is_some() && demo;
            let batches =
                choose_batches(&warehouse, project, &mut files, data, &mut parts, generated)
                    .await?;
            (Some(location), files, batches)
        }
        None => (None, Files::default(), Vec::new()),
    };
    let mut prepared = Prepared {
        warehouse,
        plan: local_plan(project, parts, &batches)?,
        files,
        location,
        redshift: None,
    };
    if parts.staging || parts.star {
        super::migrate::refuse_differing(&prepared.warehouse, project).await?;
    }
    execute(&mut run, &mut prepared).await?;
    Ok(run)
}

pub async fn create_tables(args: &CreateTablesArgs, project: &Project) -> anyhow::Result<ExitCode> {
    let schema = project.schema();
    if args.adopt {
        let mut warehouse = connect_writer(&args.warehouse, project, args.warehouse.demo).await?;
        let batch = warehouse.begin().await?;
        let adopted = batch.adopt_tables(schema).await?;
        if !adopted.is_empty() {
            eprintln!("✔ adopted {} tables: {}", adopted.len(), adopted.join(", "));
        }
        batch.commit().await?;
    } else {
        let parts = Parts {
            create: true,
            ..Parts::NONE
        };
        part(&args.warehouse, args.warehouse.demo, project, parts, None).await?;
    }
    eprintln!("✔ {} tables ready", schema.tables().len());
    Ok(ExitCode::SUCCESS)
}

pub async fn drop_tables(args: &DropTablesArgs, project: &Project) -> anyhow::Result<ExitCode> {
    if !args.yes && !std::io::stdin().is_terminal() {
        bail!("refusing to drop tables without confirmation: no terminal to ask on; pass --yes");
    }
    let schema = project.schema();
    let mut warehouse = connect_writer(&args.warehouse, project, args.warehouse.demo).await?;
    let database = warehouse.database().await?;
    let tables = warehouse.owned_tables(schema).await?;
    if tables.is_empty() {
        eprintln!("database `{database}` holds no tables of dwh's; nothing to drop");
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!(
        "dwh will drop these {} tables of database `{database}`, with their rows: {}",
        tables.len(),
        tables.join(", ")
    );
    eprintln!(
        "  and with them the load ledger (dwh_loaded_files) and the late arrivals \
         (dwh_unmatched_*): the next run loads every file again"
    );
    if !args.yes && !ui::confirm("Drop them?")? {
        eprintln!("nothing dropped");
        return Ok(ExitCode::from(1));
    }
    let batch = warehouse.begin().await?;
    let dropped = batch.drop_own_tables(schema).await?;
    batch.commit().await?;
    eprintln!(
        "✔ dropped {} tables, the load ledger and the late arrivals",
        dropped.len()
    );
    Ok(ExitCode::SUCCESS)
}

pub async fn load(args: &LoadArgs, project: &Project) -> anyhow::Result<ExitCode> {
    let mut run = Run::default();
    let location =
        data::resolve(&mut run, &args.data, None, &args.warehouse.local, project).await?;
    let files = files(&location, project, &args.data)?;
    let demo = uses_demo(&args.warehouse, &args.data, project);
    let parts = Parts {
        staging: true,
        ..Parts::NONE
    };
    part(
        &args.warehouse,
        demo,
        project,
        parts,
        Some((location, files, &args.data)),
    )
    .await?;
    Ok(ExitCode::SUCCESS)
}

pub async fn transform(args: &WarehouseArgs, project: &Project) -> anyhow::Result<ExitCode> {
    let parts = Parts {
        star: true,
        ..Parts::NONE
    };
    part(args, args.demo, project, parts, None).await?;
    Ok(ExitCode::SUCCESS)
}

pub async fn check(args: &WarehouseArgs, project: &Project) -> anyhow::Result<ExitCode> {
    let warehouse = connect(args, project).await?;
    require_tables(&warehouse, project).await?;
    let queries = project.check_queries(checks::EXAMPLES);
    let results: Vec<CheckResult> =
        pipeline::check(&warehouse, &queries, Scope::Whole, &mut Run::default()).await?;
    print_checks(&results);
    checks_exit(failed_summary(&results))
}

pub async fn analyze(args: &AnalyzeArgs, project: &Project) -> anyhow::Result<ExitCode> {
    let warehouse = connect(&args.warehouse, project).await?;
    require_tables(&warehouse, project).await?;
    let results = pipeline::analyze(&warehouse, project, args.top, &mut ()).await?;
    print_analysis(&results);
    if let Some(dir) = &args.charts {
        charts::list(&charts::write(project, &results, dir)?);
    }
    Ok(ExitCode::SUCCESS)
}
