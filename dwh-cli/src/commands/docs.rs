//! `dwh docs`: the warehouse as a static web site (see `dwh_core::docs`),
//! with the last run: from a `--report`, else read back from the warehouse
//! (the local engine, `--database-url`, or with `--target redshift` the
//! cluster of the configuration).

use std::path::Path;
use std::process::ExitCode;

use anyhow::{bail, Context};
use dwh_core::local::{EngineState, LocalEngine};
use dwh_core::sql::runs::RunRecord;
use dwh_core::sql::Dialect;
use dwh_core::{Project, Warehouse};
use serde_json::Value;

use super::console::Console;
use super::local::engine_dir;
use super::run_log;
use crate::cli::{DocsArgs, Target};
use crate::owned::OutputDir;
use crate::{paths, ui};

/// Marks a folder `dwh docs` wrote, with the files it wrote (see `owned`).
const MARKER: &str = ".dwh-docs";

pub async fn run(args: &DocsArgs, project: &Project) -> anyhow::Result<ExitCode> {
    paths::output_dir(&args.out, "--out")?;
    let output = OutputDir {
        dir: &args.out,
        command: "`dwh docs`",
        marker: MARKER,
        otherwise: " (another site's index.html or style.css would be overwritten)",
    };
    // Refused before the warehouse is read; claimed only once the site is ready.
    output.check()?;
    if args.target.target == Target::Redshift && (args.database_url.is_some() || args.demo) {
        bail!(
            "--database-url and --demo choose a PostgreSQL warehouse; with --target redshift \
             the last run is read from the cluster of {}: leave them out",
            args.target.config.display()
        );
    }
    let report = match &args.report {
        Some(path) => Some(read_report(path)?),
        None if args.no_run => None,
        None => last_run(args, project).await?,
    };
    let claimed = output.claim()?;
    let index = dwh_core::docs::write(&args.out, project, report.as_ref())
        .with_context(|| format!("writing the site into {}", args.out.display()))?;
    claimed.done()?;
    eprintln!("✔ {}", index.display());
    if args.open {
        open(&index);
    }
    Ok(ExitCode::SUCCESS)
}

fn read_report(path: &Path) -> anyhow::Result<Value> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the run report {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| {
        format!(
            "--report {} is not JSON; give the file `dwh all --report FILE` wrote",
            path.display()
        )
    })
}

/// The last run recorded in the warehouse, as a report: on the cluster
/// (`--target redshift`), on `--database-url`, else on the local engine
/// (the database that ran last, or the demo one with `--demo`). A local engine that was never set up is not started for
/// this: the site then has no run page, and says why.
async fn last_run(args: &DocsArgs, project: &Project) -> anyhow::Result<Option<Value>> {
    let bar = ui::spinner("reading the last run from the warehouse");
    let found = match (&args.target.target, &args.database_url) {
        (Target::Redshift, _) => {
            let mut console = Console::default();
            let config = &args.target.config;
            let warehouse = super::redshift::connect_cluster(&mut console, config, project).await?;
            read_back(&warehouse, args, project).await?
        }
        (Target::Local, Some(url)) => {
            let warehouse = Warehouse::connect(url, Dialect::Postgres).await?;
            read_back(&warehouse, args, project).await?
        }
        (Target::Local, None) => last_local_run(args, project).await?,
    };
    bar.finish_and_clear();
    if found.is_none() {
        eprintln!(
            "  no run of `{}` is recorded in the warehouse, so the site has no \"Last run\" page: \
             run `dwh all` first, or give --report FILE",
            project.name()
        );
    }
    Ok(found)
}

async fn read_back(
    warehouse: &Warehouse,
    args: &DocsArgs,
    project: &Project,
) -> anyhow::Result<Option<Value>> {
    let database = warehouse.database().await?;
    run_log::read_back(warehouse, project, args.top, &database).await
}

async fn last_local_run(args: &DocsArgs, project: &Project) -> anyhow::Result<Option<Value>> {
    let dir = engine_dir(&args.local);
    if LocalEngine::status(&dir)?.state == EngineState::NotInitialised {
        return Ok(None);
    }
    let engine = LocalEngine::ensure(&dir)
        .await
        .with_context(|| format!("starting the local engine in {}", dir.display()))?;
    let [own, demo] = super::local::databases(project);
    let databases = if args.demo {
        vec![demo]
    } else {
        vec![own, demo]
    };
    // The database whose last run of this project finished last.
    let mut latest: Option<(RunRecord, Warehouse, &str)> = None;
    for database in &databases {
        let url = engine.database_url(database).await?;
        let warehouse = Warehouse::connect(&url, Dialect::Postgres).await?;
        if let Some(run) = warehouse.last_run(project.name()).await? {
            if latest
                .as_ref()
                .is_none_or(|(best, ..)| run.run_at > best.run_at)
            {
                latest = Some((run, warehouse, database));
            }
        }
    }
    match latest {
        Some((_, warehouse, database)) => {
            run_log::read_back(&warehouse, project, args.top, database).await
        }
        None => Ok(None),
    }
}

/// Opens `index` with the desktop's opener; without one (a server, a
/// container), says where the site is instead of failing.
fn open(index: &Path) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    match std::process::Command::new(opener).arg(index).status() {
        Ok(status) if status.success() => {}
        _ => println!(
            "no browser opener ({opener}) here: open {} yourself",
            index.display()
        ),
    }
}
