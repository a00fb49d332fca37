//! The Sparkify-plus-locations warehouse: every dwh subcommand on it.

fn main() -> std::process::ExitCode {
    dwh_cli::main(dwh_example_custom_dimension::project())
}
