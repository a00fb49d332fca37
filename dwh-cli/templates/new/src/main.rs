//! The `dwh` command on this project: `cargo run -- all`, `cargo run -- ddl`,
//! `cargo run -- --help`.

fn main() -> std::process::ExitCode {
    dwh_cli::main(__crate_name__::project())
}
