//! One module per group of subcommands; each maps onto library calls.

mod analysis_view;
mod data;
mod ddl;
mod gen;
mod local;
mod pipeline;
mod run;
mod steps;

use std::process::ExitCode;

use crate::cli::{Cli, Command};

pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Ddl(args) => ddl::run(&args),
        Command::Gen(args) => gen::run(&args),
        Command::Local { command } => local::run(command).await,
        Command::All(args) => pipeline::all(&args).await,
        Command::CreateTables(args) => pipeline::create_tables(&args).await,
        Command::DropTables(args) => pipeline::drop_tables(&args).await,
        Command::Load(args) => pipeline::load(&args).await,
        Command::Transform(args) => pipeline::transform(&args).await,
        Command::Check(args) => pipeline::check(&args).await,
        Command::Analyze(args) => pipeline::analyze(&args).await,
    }
}
