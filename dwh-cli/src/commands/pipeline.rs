use std::io::IsTerminal;
use std::process::ExitCode;

use anyhow::bail;
use dwh_core::checks::{self, failed_summary, CheckResult, Scope};
use dwh_core::pipeline::{self, Files};
use dwh_core::project::AnalysisResult;
use dwh_core::report::{RunReport, StepStatus};
use dwh_core::run::{Run, RunError};
use dwh_core::sql::{Dialect, Parts};
use dwh_core::{Project, Warehouse};

use super::analysis_view::print_analysis;
use super::charts;
use super::console::{print_checks, print_summary, Console};
use super::data::{self, Location};
use super::local::{database_url, uses_demo};
use super::steps::{connect, connect_writer, files, load_ticker, lock, require_tables};
use super::target::{Input, Prepared};
use crate::cli::{
    AllArgs, AnalyzeArgs, CreateTablesArgs, DataArgs, DropTablesArgs, LoadArgs, Target,
    WarehouseArgs,
};
use crate::ui;

/// Exit code when the pipeline ran but a data-quality check failed.
const CHECKS_FAILED: u8 = 2;

pub async fn all(args: &AllArgs, project: &Project) -> anyhow::Result<ExitCode> {
    if args.warehouse.no_wait && args.target.target == Target::Redshift {
        bail!(
            "--no-wait is not available with --target redshift: there the run lock is \
             `LOCK dwh_registry`, which waits for the other run; leave out --no-wait"
        );
    }
    let mut report = RunReport::default();
    let outcome = all_steps(&mut report, args, project).await;
    if outcome.is_err() {
        report.status = StepStatus::Failed;
    } else {
        print_summary(&report);
    }
    if let Some(path) = &args.report {
        crate::report::write(&report, path)?;
        eprintln!("run report written to {}", path.display());
    }
    outcome?;
    checks_exit(failed_summary(&report.checks))
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

/// Every step of `dwh all`, on the chosen target: the target prepares the
/// connection and the input, dwh-core's [`Run`] does the rest.
async fn all_steps(
    report: &mut RunReport,
    args: &AllArgs,
    project: &Project,
) -> anyhow::Result<()> {
    let mut console = Console::default();
    let parts = Parts {
        fresh: args.fresh,
        ..Parts::ALL
    };
    let prepared = match args.target.target {
        Target::Local => prepare_local(&mut console, args, project).await,
        Target::Redshift => super::redshift::prepare(&mut console, args, project, parts)
            .await
            .map(Prepared::from),
    };
    report.steps.append(&mut console.steps);
    let Prepared {
        mut warehouse,
        input,
        location,
        generated,
        redshift,
    } = prepared?;
    let mut drawn = Vec::new();
    let mut draw = |results: &[AnalysisResult]| -> Result<(), Box<_>> {
        let dir = args.charts.as_deref().expect("only given with --charts");
        drawn = charts::write(project, results, dir)?;
        Ok(())
    };
    let mut run = Run::new(project, &mut warehouse)
        .parts(parts)
        .policy(args.data.policy(generated))
        .top(args.top);
    if args.charts.is_some() {
        run = run.charts(&mut draw);
    }
    let result = execute(run, input, location.as_ref(), report, &mut console).await;
    charts::list(&drawn);
    match (result, redshift) {
        (Err(RunError::Warehouse(e)), Some(redshift)) => Err(redshift.explain(&warehouse, e).await),
        (result, _) => Ok(result?),
    }
}

/// Runs `run` on `input`, with the load's live counts on its spinner.
async fn execute(
    run: Run<'_>,
    input: Input,
    location: Option<&Location>,
    report: &mut RunReport,
    console: &mut Console,
) -> Result<(), RunError> {
    let (run, ticker) = match input {
        Input::Files(files) => {
            let ticker = location.map(|l| load_ticker(console, l, &files));
            (run.files(files), ticker)
        }
        Input::Staged(staged) => (run.staged(staged), None),
    };
    let result = run.execute(report, console).await;
    if let Some(ticker) = ticker {
        ticker.abort();
    }
    result
}

/// The local target: data, engine and run lock.
async fn prepare_local(
    console: &mut Console,
    args: &AllArgs,
    project: &Project,
) -> anyhow::Result<Prepared> {
    let location = data::resolve(
        console,
        &args.data,
        args.size,
        &args.warehouse.local,
        project,
    )
    .await?;
    let files = files(&location, project, &args.data)?;
    let demo = uses_demo(&args.warehouse, &args.data, project);
    let url = console
        .step(
            "start warehouse",
            |_| None,
            database_url(&args.warehouse, project, demo),
        )
        .await?;
    let warehouse = Warehouse::connect(&url, Dialect::Postgres).await?;
    lock(&warehouse, args.warehouse.no_wait).await?;
    Ok(Prepared {
        warehouse,
        input: Input::Files(files),
        location: Some(location),
        generated: args.data.data.is_none() && project.generator().is_some() && demo,
        redshift: None,
    })
}

/// `create-tables`, `load` and `transform`: one part of the run, with
/// the same lock, ownership check and transaction as `all`.
async fn part(
    warehouse: &WarehouseArgs,
    demo: bool,
    project: &Project,
    parts: Parts,
    data: Option<(Location, Files, &DataArgs)>,
) -> anyhow::Result<()> {
    let mut console = Console::default();
    let mut warehouse = connect_writer(warehouse, project, demo).await?;
    let run = Run::new(project, &mut warehouse).part(parts);
    let (run, input, location) = match data {
        Some((location, files, data)) => {
            let generated = data.data.is_none() && project.generator().is_some() && demo;
            let run = run.policy(data.policy(generated));
            (run, Some(Input::Files(files)), Some(location))
        }
        None => (run, None, None),
    };
    let mut report = RunReport::default();
    match input {
        Some(input) => execute(run, input, location.as_ref(), &mut report, &mut console).await?,
        None => run.execute(&mut report, &mut console).await?,
    }
    Ok(())
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
    let mut console = Console::default();
    let location = data::resolve(
        &mut console,
        &args.data,
        None,
        &args.warehouse.local,
        project,
    )
    .await?;
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
        pipeline::check(&warehouse, &queries, Scope::Whole, &mut Console::default()).await?;
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
