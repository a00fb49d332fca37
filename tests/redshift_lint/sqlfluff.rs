//! sqlfluff's Redshift grammar over every statement, in one invocation
//! (it takes seconds to start). Installed from PyPI into a venv under
//! target/ once, as the AWS tests install moto.

use std::path::{Path, PathBuf};
use std::process::Command;

use dwh_tests::python_tool::PythonTool;

const SQLFLUFF_VERSION: &str = "4.5.0";

/// `target/tmp/sqlfluff-venv`, installed unless an earlier run did.
fn ensure_installed() -> PathBuf {
    PythonTool {
        name: "sqlfluff-venv",
        requirement: &format!("sqlfluff=={SQLFLUFF_VERSION}"),
    }
    .ensure_installed(Path::new(env!("CARGO_TARGET_TMPDIR")))
}

/// Parses each statement with the Redshift dialect; the labels of those
/// with an unparsable section or a parse error, with sqlfluff's account.
pub fn unparsable(statements: &[(String, String)], scratch: &Path) -> Vec<String> {
    let venv = ensure_installed();
    let _ = std::fs::remove_dir_all(scratch);
    std::fs::create_dir_all(scratch).unwrap();
    for (i, (_, sql)) in statements.iter().enumerate() {
        std::fs::write(scratch.join(format!("{i:04}.sql")), format!("{sql}\n")).unwrap();
    }
    let output = Command::new(venv.join("bin/sqlfluff"))
        .args([
            "parse",
            "--dialect",
            "redshift",
            "--format",
            "json",
            "--nocolor",
        ])
        .arg(scratch)
        .output()
        .expect("running sqlfluff");
    let files: Vec<serde_json::Value> =
        serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
            panic!(
                "sqlfluff printed no JSON ({e}):\n{}",
                String::from_utf8_lossy(&output.stderr)
            )
        });
    assert_eq!(files.len(), statements.len(), "one result per statement");
    let mut failures = Vec::new();
    for file in &files {
        let path = file["filepath"].as_str().unwrap_or_default();
        let index: usize = Path::new(path)
            .file_stem()
            .and_then(|s| s.to_str())
            .and_then(|s| s.parse().ok())
            .expect("files are named by statement index");
        let segments = file["segments"].to_string();
        let violations = file["violations"].as_array().map_or(0, Vec::len);
        if segments.contains("\"unparsable\"") || violations > 0 || file["segments"].is_null() {
            let (label, sql) = &statements[index];
            failures.push(format!("{label}: {file}\n{sql}"));
        }
    }
    failures
}
