//! `dwh`: this repository's binary, the dwh command line on the Sparkify
//! example warehouse. Your own warehouse's binary is the same line with
//! your project (see `dwh new`).

fn main() -> std::process::ExitCode {
    dwh_cli::main(sparkify::project())
}
