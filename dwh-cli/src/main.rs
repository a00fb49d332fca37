//! `dwh`: build a typed star-schema warehouse on Redshift or on a local
//! PostgreSQL that dwh starts itself.

mod cli;
mod commands;
mod report;
mod ui;

use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match commands::run(cli).await {
        Ok(code) => code,
        Err(error) => {
            ui::print_error(&error);
            ExitCode::FAILURE
        }
    }
}
