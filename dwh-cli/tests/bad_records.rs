//! The bad-record policy as a user meets it: `dwh all` on data with bad
//! records fails naming file, line, field and reason, and changes nothing;
//! `--max-errors N` skips them into a rejects file that the run report
//! counts.

mod common;

use std::path::Path;

use common::*;

#[tokio::test]
async fn a_bad_record_fails_the_run_and_changes_nothing() {
    dwh_tests::require_sample!();
    let url = fresh_db("cli_bad_default").await;
    let half = half_sample("cli_bad_default_half");
    dwh_run(all_args(&url, &half, &[])).assert_success("the first run");
    let before = counts(&url).await;

    let data = corpus_data("cli_bad_default", "varchar_too_long");
    let output = dwh_run(all_args(&url, &data, &[]));
    assert_eq!(output.code, Some(1), "{}", output.all());
    let file = data.join("log_data/events.json");
    for part in [
        "bad record in `staging_events`",
        &format!("{}:2 (record 2)", file.display()),
        "column `gender` (field `gender`)",
        "value is 10 bytes, longer than the column's VARCHAR(8)",
        "nothing was loaded",
        "--max-errors N",
    ] {
        output.assert_stderr_has(part);
    }
    assert_eq!(counts(&url).await, before);
}

#[tokio::test]
async fn max_errors_skips_into_a_rejects_file_and_the_report_counts_them() {
    dwh_tests::require_sample!();
    let url = fresh_db("cli_bad_max_errors").await;
    let data = corpus_data("cli_bad_max_errors", "varchar_too_long");
    let out = dwh_tests::scratch("cli_bad_max_errors_out");
    let rejects = out.join("rejects.jsonl");
    let report = out.join("run.json");
    let rejects_arg = rejects.display().to_string();
    let report_arg = report.display().to_string();

    one_allowed_of_two_fails_and_loads_nothing(&url, &data, &rejects_arg).await;
    let table_rejects = out.join("rejects.staging_events.jsonl");
    two_allowed_are_skipped_into(&url, &data, &rejects_arg, &report_arg, &table_rejects);
    assert_rejects_locate_both_bad_records(&table_rejects);
    assert_report_counts_the_rejects(&report, &table_rejects);
    assert_eq!(counts(&url).await["staging_events"], Some(2));
}

/// One allowed, two there: fails, nothing loaded (no tables, even).
async fn one_allowed_of_two_fails_and_loads_nothing(url: &str, data: &Path, rejects_arg: &str) {
    let output = dwh_run(all_args(
        url,
        data,
        &["--max-errors", "1", "--rejects", rejects_arg],
    ));
    assert_eq!(output.code, Some(1), "{}", output.all());
    output.assert_stderr_has("more than 1 bad records in `staging_events`");
    output.assert_stderr_has("nothing was loaded");
    assert!(counts(url).await.values().all(Option::is_none));
}

/// Two allowed: both skipped into `table_rejects`, the table's own file
/// next to the `--rejects` path, as the run says.
fn two_allowed_are_skipped_into(
    url: &str,
    data: &Path,
    rejects_arg: &str,
    report_arg: &str,
    table_rejects: &Path,
) {
    let output = dwh_run(all_args(
        url,
        data,
        &[
            "--max-errors",
            "2",
            "--rejects",
            rejects_arg,
            "--report",
            report_arg,
        ],
    ));
    output.assert_success("the run with --max-errors 2");
    output.assert_stderr_has(&format!(
        "2 bad records skipped into {}",
        table_rejects.display()
    ));
}

/// The rejects file names file, line, column, field, table and reason of
/// each skipped record.
fn assert_rejects_locate_both_bad_records(table_rejects: &Path) {
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(table_rejects)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let located: Vec<(u64, &str, &str)> = lines
        .iter()
        .map(|l| {
            (
                l["line"].as_u64().unwrap(),
                l["column"].as_str().unwrap(),
                l["field"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        located,
        [(2, "gender", "gender"), (3, "user_id", "user_id")]
    );
    for line in &lines {
        assert!(line["file"]
            .as_str()
            .unwrap()
            .ends_with("log_data/events.json"));
        assert_eq!(line["table"], "staging_events");
        assert!(line["reason"]
            .as_str()
            .unwrap()
            .contains("bytes, longer than"));
    }
}

/// The run report counts the rejected and loaded rows of the events and
/// names their rejects file.
fn assert_report_counts_the_rejects(report: &Path, table_rejects: &Path) {
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(report).unwrap()).unwrap();
    let events = report["staging"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["table"] == "staging_events")
        .unwrap();
    assert_eq!(events["rejected"], 2);
    assert_eq!(events["rows"], 2);
    assert_eq!(
        events["rejects_file"].as_str(),
        Some(table_rejects.display().to_string().as_str())
    );
}
