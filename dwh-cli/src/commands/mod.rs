//! One module per group of subcommands; each maps onto library calls.

mod analysis_view;
mod args;
mod charts;
mod config;
mod data;
mod ddl;
mod diagram;
mod gen;
mod local;
pub(crate) mod new;
mod open_port;
mod pipeline;
mod provision;
mod redshift;
pub(crate) mod run;
mod status;
mod steps;
mod teardown;
mod upload;

use std::process::ExitCode;

use crate::cli::{Cli, Command};

pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    args::check(&cli.command)?;
    match cli.command {
        Command::Ddl(args) => ddl::run(&args),
        Command::Diagram(args) => diagram::run(&args),
        Command::Gen(args) => gen::run(&args),
        Command::Local { command } => local::run(command).await,
        Command::All(args) => pipeline::all(&args).await,
        Command::CreateTables(args) => pipeline::create_tables(&args).await,
        Command::DropTables(args) => pipeline::drop_tables(&args).await,
        Command::Load(args) => pipeline::load(&args).await,
        Command::Transform(args) => pipeline::transform(&args).await,
        Command::Check(args) => pipeline::check(&args).await,
        Command::Analyze(args) => pipeline::analyze(&args).await,
        Command::Provision(args) => provision::run(&args).await,
        Command::Status(args) => status::run(&args).await,
        Command::OpenPort(args) => open_port::run(&args).await,
        Command::Upload(args) => upload::run(&args).await,
        Command::Teardown(args) => teardown::run(&args).await,
        Command::Config { command } => config::run(command),
        Command::New(args) => new::run(&args),
    }
}
