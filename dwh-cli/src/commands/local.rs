//! `dwh local start|stop|url|status`, and finding the engine for other commands.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use dwh_core::local::LocalEngine;
use dwh_core::Project;

use crate::cli::{DataArgs, LocalArgs, LocalCommand, WarehouseArgs};
use crate::ui;

/// The engine directory: `--local-dir`, else `target/dwh-local` of the
/// checkout the binary was built in, else a per-user data directory.
pub fn engine_dir(args: &LocalArgs) -> PathBuf {
    if let Some(dir) = &args.local_dir {
        return dir.clone();
    }
    LocalEngine::default_dir(&target_dir())
}

fn target_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(dir);
    }
    // target/<profile>/dwh → target
    let exe = std::env::current_exe().ok();
    if let Some(target) = exe.as_deref().and_then(|e| e.parent()?.parent()) {
        if target.file_name().is_some_and(|n| n == "target") {
            return target.to_owned();
        }
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    home.join(".local/share/dwh")
}

/// The project's databases on the local engine: its own, named after it,
/// and its demo one for generated data (kept apart so that synthetic rows
/// never mix with real ones). One per project, so that two warehouses on
/// one engine never read each other's load ledger.
pub fn databases(project: &Project) -> [String; 2] {
    let name = project.name();
    [name.to_owned(), format!("{name}_demo")]
}

/// The connection string for a command: `--database-url`, else the local
/// engine (started if needed): the project's demo database with `demo`,
/// else its own.
pub async fn database_url(
    args: &WarehouseArgs,
    project: &Project,
    demo: bool,
) -> anyhow::Result<String> {
    if let Some(url) = &args.database_url {
        return Ok(url.clone());
    }
    let dir = engine_dir(&args.local);
    let bar = ui::spinner("starting the local PostgreSQL engine");
    let engine = LocalEngine::ensure(&dir)
        .await
        .with_context(|| format!("starting the local engine in {}", dir.display()))?;
    bar.finish_and_clear();
    let [own, demo_db] = databases(project);
    let database = if demo { &demo_db } else { &own };
    let url = engine
        .database_url(database)
        .await
        .with_context(|| format!("creating the database `{database}`"))?;
    if demo {
        eprintln!(
            "    demo database `{demo_db}` (generated data; runs with --data use database `{own}`)"
        );
    }
    Ok(url)
}

/// Whether a command that loads data works on the demo database: asked
/// for (`--demo`), or generated data (no `--data`, and the project has a
/// generator) on the local engine. A project's own data folder is real data.
pub fn uses_demo(warehouse: &WarehouseArgs, data: &DataArgs, project: &dwh_core::Project) -> bool {
    warehouse.demo
        || (data.data.is_none()
            && project.generator().is_some()
            && warehouse.database_url.is_none())
}

pub async fn run(command: LocalCommand, project: &Project) -> anyhow::Result<ExitCode> {
    match command {
        LocalCommand::Start(args) | LocalCommand::Url(args) => {
            let dir = engine_dir(&args);
            let engine = LocalEngine::ensure(&dir).await?;
            let [own, _] = databases(project);
            println!("{}", engine.database_url(&own).await?);
        }
        LocalCommand::Stop(args) => {
            let outcome = LocalEngine::stop(&engine_dir(&args)).await?;
            println!("{outcome}");
        }
        LocalCommand::Status(args) => {
            let status = LocalEngine::status(&engine_dir(&args))?;
            println!("{status}");
            if !status.is_running() {
                return Ok(ExitCode::from(3));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
