//! A failed data-quality check, as a user sees it: the check step, the
//! summary table, the `--report` JSON and the last line all say failed and
//! name the offending key, and `dwh all` and `dwh check` exit with 2.

mod common;

use common::*;
use dwh_core::sql::Dialect;
use dwh_core::Warehouse;

/// A play by a user the `users` dimension does not have, and the table's
/// kept row count forgotten (as if a load of dwh's had written the play
/// and counted it): only the reference check fails.
const ORPHAN_PLAY: &str = "INSERT INTO songplays (start_time, user_id, level, session_id) \
     SELECT start_time, 999999, 'free', 1 FROM time ORDER BY start_time LIMIT 1; \
     DELETE FROM dwh_row_counts WHERE table_name = 'songplays'";

#[tokio::test]
async fn a_failed_check_says_failed_everywhere_and_exits_with_2() {
    dwh_tests::require_sample!();
    let url = fresh_db("cli_failed_check").await;
    let dir = dwh_tests::scratch("cli_failed_check");
    let report = dir.join("report.json");
    let report_arg = report.display().to_string();

    let clean = dwh_run(all_args(&url, &sample(), &["--report", &report_arg]));
    clean.assert_success("the clean run");
    assert_eq!(read_report(&report)["status"], "ok");

    let warehouse = Warehouse::connect(&url, Dialect::Postgres).await.unwrap();
    warehouse.client().batch_execute(ORPHAN_PLAY).await.unwrap();

    let run = dwh_run(all_args(&url, &sample(), &["--report", &report_arg]));
    assert_eq!(run.code, Some(2), "{}", run.all());
    run.assert_stderr_has("✘ data-quality checks");
    assert!(
        !run.stderr.contains("✔ data-quality checks"),
        "{}",
        run.stderr
    );
    let summary = summary_row(&run.stdout, "data-quality checks");
    assert!(summary.contains("failed"), "summary row: {summary}");
    let last = run.stderr.trim_end().lines().last().unwrap_or_default();
    assert!(
        last.contains("failed") && last.contains("999999"),
        "the last line must say failed and name the key: {last}"
    );

    let json = read_report(&report);
    assert_eq!(json["status"], "failed");
    let step = json["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["step"] == "data-quality checks")
        .expect("the check step is in the report");
    assert_eq!(step["status"], "failed");
    assert!(step["error"].as_str().unwrap().contains("999999"), "{step}");
    let failed: Vec<&serde_json::Value> = json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["passed"] == false)
        .collect();
    assert_eq!(failed.len(), 1, "{failed:#?}");
    assert_eq!(failed[0]["examples"][0], "999999 (1×)");

    let check = dwh_run(["check", "--database-url", &url]);
    assert_eq!(check.code, Some(2), "{}", check.all());
    assert!(check.all().contains("999999"), "{}", check.all());
}

fn read_report(path: &std::path::Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).expect("the run report is written");
    serde_json::from_str(&text).expect("the run report is JSON")
}

/// The summary table's line for `step`.
fn summary_row<'a>(stdout: &'a str, step: &str) -> &'a str {
    stdout
        .lines()
        .find(|l| l.contains(step))
        .unwrap_or_else(|| panic!("no summary row for {step}:\n{stdout}"))
}
