//! The run log (`dwh_runs`) on the real engine: each project reads back its
//! own last run, steps in order, text as it was written.

use chrono::NaiveDateTime;
use dwh_core::sql::runs::{RunRecord, StepRecord};
use dwh_tests::fresh_warehouse;

fn at(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f").unwrap()
}

fn step(name: &str, status: &str, rows: Option<i64>, error: Option<&str>) -> StepRecord {
    StepRecord {
        step: name.to_owned(),
        status: status.to_owned(),
        rows,
        duration_ms: 12.5,
        error: error.map(str::to_owned),
    }
}

fn run(project: &str, when: &str, status: &str, steps: Vec<StepRecord>) -> RunRecord {
    RunRecord {
        project: project.to_owned(),
        run_at: at(when),
        status: status.to_owned(),
        steps,
    }
}

#[tokio::test]
async fn each_project_reads_back_its_own_last_run() {
    let (warehouse, _) = fresh_warehouse("run_log_projects").await;
    assert_eq!(
        warehouse.last_run("sparkify").await.unwrap(),
        None,
        "no log yet"
    );

    let first = run(
        "sparkify",
        "2026-12-01 10:00:00.25",
        "ok",
        vec![step("load", "ok", Some(1), None)],
    );
    let last = run(
        "sparkify",
        "2026-12-01 11:00:00.000001",
        "failed",
        vec![
            step("load staging_events", "ok", Some(8056), None),
            step("transform", "ok", None, None),
            step(
                "data-quality checks",
                "failed",
                Some(2),
                Some("it's a \\ failure: é"),
            ),
        ],
    );
    // Another project in the same database, later than both.
    let other = run(
        "flights",
        "2026-12-01 12:00:00",
        "ok",
        vec![step("load", "ok", None, None)],
    );
    for r in [&last, &first, &other] {
        warehouse.record_run(r).await.unwrap();
    }
    assert_eq!(warehouse.last_run("sparkify").await.unwrap(), Some(last));
    assert_eq!(warehouse.last_run("flights").await.unwrap(), Some(other));
    assert_eq!(warehouse.last_run("none").await.unwrap(), None);
}
