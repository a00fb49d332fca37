//! One module per group of subcommands; each maps onto library calls.

mod analysis_view;
mod args;
mod charts;
pub(crate) mod console;
pub(crate) mod data;
mod ddl;
mod diagram;
mod docs;
mod gen;
mod local;
mod migrate;
pub(crate) mod new;
mod pipeline;
mod run_log;
mod steps;
mod target;

// The Redshift target and AWS provisioning (the `redshift` feature); without
// it, `redshift` is a stand-in whose every entry point says so.
#[cfg(feature = "redshift")]
mod aws_plan;
#[cfg(feature = "redshift")]
mod config;
#[cfg(feature = "redshift")]
mod doctor;
#[cfg(feature = "redshift")]
mod open_port;
#[cfg(feature = "redshift")]
mod provision;
#[cfg(feature = "redshift")]
mod redshift;
#[cfg(not(feature = "redshift"))]
#[path = "redshift_off.rs"]
mod redshift;
#[cfg(feature = "redshift")]
mod status;
#[cfg(feature = "redshift")]
mod teardown;
#[cfg(feature = "redshift")]
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
        Command::Local { command } => local::run(command, project).await,
        Command::All(args) => pipeline::all(&args, project).await,
        Command::CreateTables(args) => pipeline::create_tables(&args, project).await,
        Command::DropTables(args) => pipeline::drop_tables(&args, project).await,
        Command::Plan(args) => migrate::plan(&args, project).await,
        Command::Migrate(args) => migrate::migrate(&args, project).await,
        Command::Load(args) => pipeline::load(&args, project).await,
        Command::Transform(args) => pipeline::transform(&args, project).await,
        Command::Check(args) => pipeline::check(&args, project).await,
        Command::Analyze(args) => pipeline::analyze(&args, project).await,
        Command::New(args) => new::run(&args),
        aws @ (Command::Provision(_)
        | Command::Status(_)
        | Command::Doctor(_)
        | Command::OpenPort(_)
        | Command::Upload(_)
        | Command::Teardown(_)
        | Command::Config { .. }) => run_aws(aws, project).await,
    }
}

#[cfg(feature = "redshift")]
pub use redshift::install_console;

#[cfg(feature = "redshift")]
async fn run_aws(command: Command, project: &Project) -> anyhow::Result<ExitCode> {
    let command = match command {
        Command::Config { command } => return config::run(command, project),
        other => other,
    };
    let aws_args = match &command {
        Command::Provision(args) => &args.aws,
        Command::Status(args) => args,
        Command::Doctor(args) => &args.aws,
        Command::OpenPort(args) => &args.aws,
        Command::Upload(args) => &args.aws,
        Command::Teardown(args) => &args.aws,
        other => unreachable!("not an AWS command: {other:?}"),
    };
    // dwh.toml and the AWS clients, read once for the command.
    let cloud = config::load(aws_args, project).await?;
    match command {
        Command::Provision(args) => provision::run(&args, &cloud).await,
        Command::Status(args) => status::run(&args, &cloud, project).await,
        Command::Doctor(_) => doctor::run(&cloud).await,
        Command::OpenPort(args) => open_port::run(&args, &cloud).await,
        Command::Upload(args) => upload::run(&args, &cloud, project).await,
        Command::Teardown(args) => teardown::run(&args, &cloud).await,
        other => unreachable!("not an AWS command: {other:?}"),
    }
}

#[cfg(not(feature = "redshift"))]
async fn run_aws(_: Command, _: &Project) -> anyhow::Result<ExitCode> {
    Err(redshift::not_built())
}

/// Why `--target redshift`, an `s3://` location or an AWS command cannot
/// run in this build.
#[cfg(not(feature = "redshift"))]
pub(crate) fn redshift_not_built() -> anyhow::Error {
    redshift::not_built()
}
