//! sqlfluff's Redshift grammar over every statement, in one invocation
//! (it takes seconds to start). Installed from PyPI into a venv under
//! target/ once, as the AWS tests install moto.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;

const SQLFLUFF_VERSION: &str = "4.5.0";

fn run_checked(command: &mut Command, what: &str) {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run {command:?}: {e}"));
    assert!(
        output.status.success(),
        "{what} failed ({}):\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// `target/tmp/sqlfluff-venv`, installed unless an earlier run did (a lock
/// file keeps parallel test processes from installing twice).
fn ensure_installed() -> PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let venv = tmp.join("sqlfluff-venv");
    let marker = venv.join(format!(".dwh-sqlfluff-{SQLFLUFF_VERSION}"));
    if marker.exists() {
        return venv;
    }
    std::fs::create_dir_all(tmp).unwrap();
    let lock = File::create(tmp.join("sqlfluff-venv.lock")).unwrap();
    lock.lock().expect("locking sqlfluff-venv.lock");
    if !marker.exists() {
        eprintln!(
            "installing sqlfluff=={SQLFLUFF_VERSION} into {} (once)",
            venv.display()
        );
        if !venv.join("bin/python").exists() {
            run_checked(
                Command::new("python3").args(["-m", "venv"]).arg(&venv),
                "creating the sqlfluff venv (needs python3 with the venv module)",
            );
        }
        run_checked(
            Command::new(venv.join("bin/pip")).args([
                "install",
                "--quiet",
                "--disable-pip-version-check",
                &format!("sqlfluff=={SQLFLUFF_VERSION}"),
            ]),
            "installing sqlfluff from PyPI",
        );
        std::fs::write(&marker, b"").unwrap();
    }
    drop(lock);
    venv
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
