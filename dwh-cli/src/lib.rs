#![warn(missing_docs)]

//! The dwh command line as a library: every subcommand (`all`, `ddl`,
//! `diagram`, `check`, `analyze`, `gen`, `upload`, `provision`,
//! `all --target redshift`, …) on the warehouse project you pass.
//!
//! A warehouse's binary is one line:
//!
//! ```no_run
//! # mod my_warehouse { pub fn project() -> dwh_core::Project { unimplemented!() } }
//! fn main() -> std::process::ExitCode {
//!     dwh_cli::main(my_warehouse::project())
//! }
//! ```
//!
//! `my_warehouse::project()` declares the schema, where each staging
//! table's files live and the analyses ([`dwh_core::Project`]); `dwh new
//! PATH` scaffolds such a crate.

// dwh's own print macros, in textual scope for every module below: they
// shadow std's, which panic when a stream fails (`dwh all | head -1`).
// Each writes through `out`, which silences a closed stream and lets the
// work finish; see `out` for the rules.
#[cfg_attr(not(feature = "redshift"), allow(unused_macros))] // only AWS commands print!
macro_rules! print {
    ($($arg:tt)*) => { $crate::out::stdout(format_args!($($arg)*)) };
}
macro_rules! println {
    () => { $crate::out::stdout(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::out::stdout(format_args!("{}\n", format_args!($($arg)*))) };
}
macro_rules! eprint {
    ($($arg:tt)*) => { $crate::out::stderr(format_args!($($arg)*)) };
}
macro_rules! eprintln {
    () => { $crate::out::stderr(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::out::stderr(format_args!("{}\n", format_args!($($arg)*))) };
}

mod cli;
mod commands;
mod location;
mod out;
mod owned;
mod paths;
mod report;
mod ui;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};
use dwh_core::Project;
// The Redshift target and AWS provisioning live in dwh-redshift; its
// modules keep their paths here (`crate::aws`, `crate::config`).
#[cfg(feature = "redshift")]
use dwh_redshift::{aws, config};

/// Exit code after Ctrl-C, as shells report a process ended by SIGINT.
const INTERRUPTED: u8 = 130;

/// Runs the command line of the process (`std::env::args`) on `project`
/// and returns the exit code: 0 done, 1 error, 2 a data-quality check
/// failed, 3 the cluster is not available (`status`), 130 interrupted.
pub fn main(project: Project) -> ExitCode {
    let cli = match parse(&project) {
        Ok(cli) => cli,
        Err(error) => return usage(&error),
    };
    init_logging(cli.debug);
    #[cfg(feature = "redshift")]
    commands::install_console();
    match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime.block_on(run(cli, &project)),
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The arguments, with the program named as it was invoked (`dwh`, or
/// your warehouse's binary) in help and errors.
fn parse(project: &Project) -> Result<cli::Cli, clap::Error> {
    let program = std::env::args_os()
        .next()
        .and_then(|p| {
            std::path::Path::new(&p)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "dwh".to_owned());
    let command = cli::Cli::command()
        .name(program.clone())
        .bin_name(program)
        .before_help(format!("warehouse: {}", project.name()));
    let matches = command.try_get_matches()?;
    cli::Cli::from_arg_matches(&matches)
}

async fn run(cli: cli::Cli, project: &Project) -> ExitCode {
    // Ctrl-C drops the running command: its open transaction is rolled
    // back (and the server rolls back any the connection still holds).
    let code = tokio::select! {
        outcome = commands::run(cli, project) => match outcome {
            Ok(code) => code,
            Err(error) => {
                ui::print_error(&error);
                ExitCode::FAILURE
            }
        },
        () = ctrl_c() => {
            eprintln!(
                "\n✘ interrupted: stopped, and any open transaction rolled back; \
                 the warehouse keeps only what finished steps committed. Run the command again to finish."
            );
            ExitCode::from(INTERRUPTED)
        }
    };
    out::finish(code)
}

/// `--help` and `--version` print and succeed; a bad argument is an error
/// like any other (exit 1: exit 2 means a failed data-quality check).
fn usage(error: &clap::Error) -> ExitCode {
    // Printing help to a closed pipe is not worth a message either.
    let _ = error.print();
    if error.use_stderr() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// Logs go to stderr: dwh's own warnings by default, or what `RUST_LOG`
/// says; with `--debug` everything of dwh's, tokio-postgres's, and the AWS
/// SDK's warnings too. The SDK logs a warning for every credential provider
/// it tries: by default those would bury the one line dwh prints about it.
/// tokio-postgres logs through `log`, which the subscriber picks up too.
fn init_logging(debug: bool) {
    use std::io::IsTerminal;
    use tracing_subscriber::EnvFilter;
    let filter = if debug {
        EnvFilter::new("warn,dwh=debug,dwh_core=debug,tokio_postgres=debug")
    } else {
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(QUIET_LOGS))
    };
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(colour)
        .with_target(true)
        // Its own complaint about a closed stderr would be an `eprintln!`
        // (a panic): a log line lost to a closed pipe is no error.
        .log_internal_errors(false)
        .init();
}

/// The default log filter: warnings, except the AWS SDK's (targets match by
/// prefix: `aws` covers aws_config, aws_smithy_*, aws_sdk_*).
const QUIET_LOGS: &str = "warn,aws=off";

async fn ctrl_c() {
    if tokio::signal::ctrl_c().await.is_err() {
        // No signal handler: never interrupt.
        std::future::pending::<()>().await;
    }
}
