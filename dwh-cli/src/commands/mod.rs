//! One module per group of subcommands; each maps onto library calls.

mod analysis_view;
mod args;
mod charts;
mod config;
pub(crate) mod data;
mod ddl;
mod diagram;
mod docs;
mod doctor;
#[cfg(test)]
mod fixtures;
mod gen;
mod local;
mod migrate;
pub(crate) mod new;
mod open_port;
mod pipeline;
mod provision;
mod redshift;
pub(crate) mod run;
mod run_log;
mod status;
mod steps;
mod teardown;
mod upload;

use std::process::ExitCode;

use dwh_core::Project;

use crate::cli::{Cli, Command};

pub async fn run(cli: Cli, project: &Project) -> anyhow::Result<ExitCode> {
    args::check(&cli.command, project)?;
    match cli.command {
        Command::Ddl(args) => ddl::run(&args, project),
        Command::Diagram(args) => diagram::run(&args, project),
        Command::Docs(args) => docs::run(&args, project).await,
        Command::Gen(args) => gen::run(&args, project).await,
        Command::Local { command } => local::run(command).await,
        Command::All(args) => pipeline::all(&args, project).await,
        Command::CreateTables(args) => pipeline::create_tables(&args, project).await,
        Command::DropTables(args) => pipeline::drop_tables(&args, project).await,
        Command::Plan(args) => migrate::plan(&args, project).await,
        Command::Migrate(args) => migrate::migrate(&args, project).await,
        Command::Load(args) => pipeline::load(&args, project).await,
        Command::Transform(args) => pipeline::transform(&args, project).await,
        Command::Check(args) => pipeline::check(&args, project).await,
        Command::Analyze(args) => pipeline::analyze(&args, project).await,
        Command::Provision(args) => provision::run(&args, project).await,
        Command::Status(args) => status::run(&args, project).await,
        Command::Doctor(args) => doctor::run(&args, project).await,
        Command::OpenPort(args) => open_port::run(&args, project).await,
        Command::Upload(args) => upload::run(&args, project).await,
        Command::Teardown(args) => teardown::run(&args, project).await,
        Command::Config { command } => config::run(command, project),
        Command::New(args) => new::run(&args),
    }
}
