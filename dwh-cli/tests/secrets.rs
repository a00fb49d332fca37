//! A password planted in the connection string never shows up in anything
//! dwh writes: stdout, stderr, the run report, rejects files, error
//! messages, `--debug` logs, `--help`.

mod common;

use std::path::Path;

use common::*;

const SECRET: &str = "Pl4nted-S3cret-q7Zx";

#[track_caller]
fn assert_clean(what: &str, text: &str) {
    assert!(
        !text.contains(SECRET),
        "the planted secret leaked into {what}:\n{text}"
    );
}

/// Every file below `dir`, read.
fn assert_files_clean(dir: &Path) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            assert_files_clean(&path);
        } else if let Ok(text) = std::fs::read_to_string(&path) {
            assert_clean(&path.display().to_string(), &text);
        }
    }
}

/// `postgresql://dwh:SECRET@host:port/db`: the test engine trusts local
/// connections, so the password is sent and ignored.
fn with_password(url: &str) -> String {
    let planted = url.replacen("://dwh@", &format!("://dwh:{SECRET}@"), 1);
    assert_planted("the connection string", &planted);
    planted
}

/// A clean output proves nothing unless the secret was in the input.
#[track_caller]
fn assert_planted(what: &str, input: &str) {
    assert!(
        input.contains(SECRET),
        "the secret was not planted in {what}: {input}"
    );
}

#[tokio::test]
async fn a_successful_run_never_prints_or_writes_the_password() {
    dwh_tests::require_sample!();
    let url = with_password(&fresh_db("cli_secret_run").await);
    let data = corpus_data("cli_secret_run", "truncated_line");
    let out = dwh_tests::scratch("cli_secret_run_out");
    let rejects = out.join("rejects.jsonl").display().to_string();
    let report = out.join("run.json").display().to_string();
    let output = dwh_run(all_args(
        &url,
        &data,
        &[
            "--debug",
            "--max-errors",
            "1",
            "--rejects",
            &rejects,
            "--report",
            &report,
        ],
    ));
    output.assert_success("the run");
    // --debug logs connections and every statement: the grep sees them.
    assert!(
        output.stderr.contains("DEBUG"),
        "no debug output:\n{}",
        output.stderr
    );
    assert_clean("stdout", &output.stdout);
    assert_clean("stderr", &output.stderr);
    // The files were written (so the grep saw something) and are clean.
    assert!(out.join("run.json").is_file() && out.join("rejects.staging_events.jsonl").is_file());
    assert_files_clean(&out);

    // The same URL from the environment, and every read-only command.
    for args in [&["check"][..], &["analyze", "--top", "2"], &["transform"]] {
        let output = run(dwh().args(args).env("DWH_DATABASE_URL", &url));
        output.assert_success(args[0]);
        assert_clean(args[0], &output.all());
    }
    let help = run(dwh().args(["all", "--help"]).env("DWH_DATABASE_URL", &url));
    assert_clean("--help", &help.all());
}

#[tokio::test]
async fn failing_runs_redact_the_password_in_every_spelling() {
    dwh_tests::require_sample!();
    let engine = dwh_tests::engine().await;
    let port = engine.port();
    let cases = [
        // Nothing listens on port 1.
        (
            format!("postgresql://dwh:{SECRET}@127.0.0.1:1/dwh"),
            "postgresql://dwh:***@127.0.0.1:1/dwh",
        ),
        // The server answers, but the database does not exist.
        (
            format!("postgresql://dwh:{SECRET}@127.0.0.1:{port}/no_such_db"),
            "postgresql://dwh:***@127.0.0.1:",
        ),
        (
            format!("postgresql://dwh@127.0.0.1:1/dwh?sslmode=disable&password={SECRET}"),
            "password=***",
        ),
        (
            format!("host=127.0.0.1 port=1 user=dwh password={SECRET} dbname=dwh"),
            "password=***",
        ),
        (
            format!("host=127.0.0.1 port=1 password='{SECRET} x' dbname=dwh"),
            "password=***",
        ),
        // Malformed: not even parsed.
        (
            format!("postgresql://dwh:{SECRET}@127.0.0.1:notaport/dwh"),
            "postgresql://dwh:***@",
        ),
    ];
    let sample = sample().display().to_string();
    for (url, shown) in &cases {
        assert_planted("a failing case", url);
        for command in [&["check"][..], &["transform"], &["all", "--data", &sample]] {
            let output = dwh_run(command.iter().copied().chain(["--database-url", url]));
            assert_eq!(
                output.code,
                Some(1),
                "{command:?} with {url}:\n{}",
                output.all()
            );
            assert_clean(&format!("{command:?} with {url}"), &output.all());
            output.assert_stderr_has(shown);
        }
    }

    // A usage error next to the secret does not echo it either.
    assert_planted("the usage error's URL", &cases[0].0);
    // Exit 1, like any error: 2 means a failed data-quality check.
    let output = dwh_run(["all", "--database-url", &cases[0].0, "--no-such-flag"]);
    assert_eq!(output.code, Some(1), "{}", output.all());
    assert_clean("a usage error", &output.all());
}
