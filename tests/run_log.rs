//! The run log (`dwh_runs`) on the real engine: each project reads back its
//! own last run, steps in order, text as it was written.

use chrono::NaiveDateTime;
use std::time::Duration;

use dwh_core::sql::runs::{RunRecord, StepRecord, StepStatus};
use dwh_tests::fresh_warehouse;

fn at(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f").unwrap()
}

/// A step of 12.5 ms, failed when `error` says why.
fn step(name: &str, rows: Option<u64>, error: Option<&str>) -> StepRecord {
    let took = Duration::from_micros(12_500);
    StepRecord::new(name, rows, took, error.map(str::to_owned))
}

fn run(project: &str, when: &str, status: StepStatus, steps: Vec<StepRecord>) -> RunRecord {
    RunRecord {
        project: project.to_owned(),
        run_at: at(when),
        status,
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
        StepStatus::Ok,
        vec![step("load", Some(1), None)],
    );
    let last = run(
        "sparkify",
        "2026-12-01 11:00:00.000001",
        StepStatus::Failed,
        vec![
            step("load staging_events", Some(8056), None),
            step("transform", None, None),
            step("data-quality checks", Some(2), Some("it's a \\ failure: é")),
        ],
    );
    // Another project in the same database, later than both.
    let other = run(
        "flights",
        "2026-12-01 12:00:00",
        StepStatus::Ok,
        vec![step("load", None, None)],
    );
    for r in [&last, &first, &other] {
        warehouse.record_run(r).await.unwrap();
    }
    assert_eq!(warehouse.last_run("sparkify").await.unwrap(), Some(last));
    assert_eq!(warehouse.last_run("flights").await.unwrap(), Some(other));
    assert_eq!(warehouse.last_run("none").await.unwrap(), None);
}
