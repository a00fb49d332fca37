//! `dwh config import` on a corpus of real-shaped course `dwh.cfg` files
//! (`tests/config_corpus`). Each file states its expected outcome in `#!`
//! lines (comments to the importer):
//!
//! ```text
//! #! exit 0                       the exit code
//! #! toml identifier = "x"        a line of the written dwh.toml
//! #! stderr text                  stderr contains it
//! #! stderr-once text             … exactly once
//! #! no-stderr text               … never
//! ```
//!
//! Every file holds planted secrets (values containing `Pl4nted`): the test
//! checks they are in the input and never in stdout, stderr or dwh.toml.

use std::path::{Path, PathBuf};
use std::process::Command;

const PLANTED: &str = "Pl4nted";

fn corpus() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/config_corpus");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "cfg"))
        .collect();
    files.sort();
    assert!(files.len() >= 8, "the corpus is missing: {files:?}");
    files
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("config-import-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The expectations of one corpus file, from its `#!` lines.
fn expectations(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|l| l.trim_start_matches('\u{feff}').strip_prefix("#! "))
        .filter_map(|l| l.trim_end_matches('\r').split_once(' '))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

fn check(file: &Path) -> Vec<String> {
    let name = file.file_stem().unwrap().to_string_lossy().into_owned();
    let input = std::fs::read(file).unwrap();
    let text = String::from_utf8_lossy(&input).into_owned();
    let body: String = text.lines().filter(|l| !l.contains("#!")).collect();
    assert!(
        body.contains(PLANTED),
        "{name}: plant a secret (a value with {PLANTED}) in the input"
    );
    let dir = scratch(&name);
    let out = dir.join("dwh.toml");
    let mut command = Command::new(env!("CARGO_BIN_EXE_dwh"));
    for (var, _) in std::env::vars_os() {
        let var = var.to_string_lossy();
        if var.starts_with("DWH_") || var.starts_with("AWS_") {
            command.env_remove(var.as_ref());
        }
    }
    let output = command
        .args(["config", "import"])
        .arg(file)
        .arg("--out")
        .arg(&out)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let toml = std::fs::read_to_string(&out).unwrap_or_default();
    let mut failures = Vec::new();
    let mut fail = |what: String| failures.push(format!("{name}: {what}"));
    for (what, written) in [
        ("stdout", &*stdout),
        ("stderr", &*stderr),
        ("dwh.toml", &toml),
    ] {
        if written.contains(PLANTED) {
            fail(format!("a planted secret leaked into {what}:\n{written}"));
        }
    }
    for (kind, value) in expectations(&text) {
        let ok = match kind.as_str() {
            "exit" => output.status.code() == value.parse().ok(),
            "toml" => toml.lines().any(|l| l.trim() == value),
            "stderr" => stderr.contains(&value),
            "stderr-once" => stderr.matches(&value).count() == 1,
            "no-stderr" => !stderr.contains(&value),
            _ => continue,
        };
        if !ok {
            fail(format!(
                "expected {kind} {value}\n--- exit {:?}, stderr:\n{stderr}\n--- dwh.toml:\n{toml}",
                output.status.code()
            ));
        }
    }
    if output.status.success() && !toml.is_empty() {
        // What was written loads as dwh.toml.
        let load = Command::new(env!("CARGO_BIN_EXE_dwh"))
            .args(["config", "show", "--config"])
            .arg(&out)
            .output()
            .unwrap();
        if !load.status.success() {
            fail(format!(
                "the written dwh.toml does not load:\n{}",
                String::from_utf8_lossy(&load.stderr)
            ));
        }
    }
    failures
}

#[test]
fn every_corpus_file_imports_as_its_header_says_and_never_leaks_a_secret() {
    let failures: Vec<String> = corpus().iter().flat_map(|f| check(f)).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
