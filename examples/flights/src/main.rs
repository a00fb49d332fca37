//! The NYC flights warehouse: every dwh subcommand on it.

fn main() -> std::process::ExitCode {
    dwh_cli::main(flights::project())
}
