//! A reader that went away (`dwh all | head -1`, `dwh all 2>&1 | head -1`)
//! silences dwh's output, never its work or its outcome: the run finishes
//! (a migration is applied, the rows are loaded), the exit code is the one
//! it has without the pipe (2 for a failed check), and nothing panics.
//!
//! Deterministic: the pipe's reading end is closed before dwh starts, so
//! its very first write fails, not some write after a race with `head`.

mod common;

use std::process::{Command, Stdio};

use common::*;
use dwh_core::sql::Dialect;
use dwh_core::Warehouse;

/// A play by a user the `users` dimension does not have: a check fails.
const ORPHAN_PLAY: &str = "INSERT INTO songplays (start_time, user_id, level, session_id) \
     SELECT start_time, 999999, 'free', 1 FROM time ORDER BY start_time LIMIT 1";

/// Which of dwh's streams go into a pipe nobody reads.
#[derive(Debug, Clone, Copy)]
enum Closed {
    /// `dwh … | head -1`: stderr is collected for the test to read.
    Stdout,
    /// `dwh … 2>&1 | head -1`: both streams into the closed pipe.
    Both,
}

/// Runs `command` with `closed` streams into a pipe whose reader is gone:
/// its exit code, and its stderr when the pipe does not take it.
fn run_closed(command: &mut Command, closed: Closed) -> (Option<i32>, String) {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader); // every write into the pipe now fails with EPIPE
    command.stdin(Stdio::null());
    match closed {
        Closed::Stdout => command.stdout(writer).stderr(Stdio::piped()),
        Closed::Both => command.stdout(writer.try_clone().unwrap()).stderr(writer),
    };
    let out = command.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{closed:?}: {stderr}");
    (out.status.code(), stderr)
}

async fn execute(url: &str, sql: &str) {
    let warehouse = Warehouse::connect(url, Dialect::Postgres).await.unwrap();
    warehouse.client().batch_execute(sql).await.unwrap();
}

async fn scalar(url: &str, sql: &str) -> i64 {
    let warehouse = Warehouse::connect(url, Dialect::Postgres).await.unwrap();
    warehouse.client().query_one(sql, &[]).await.unwrap().get(0)
}

/// `dwh all | head` loads every row and exits 0, or 2 when a check fails,
/// as it does without the pipe; with `2>&1` as well (exit 101 was a panic).
#[tokio::test]
async fn all_and_check_keep_their_exit_codes_into_a_closed_pipe() {
    dwh_tests::require_sample!();
    for closed in [Closed::Stdout, Closed::Both] {
        let url = fresh_db(&format!("cli_pipe_all_{closed:?}").to_lowercase()).await;
        let (code, stderr) = run_closed(dwh().args(all_args(&url, &sample(), &[])), closed);
        assert_eq!(code, Some(0), "{closed:?}, a clean run: {stderr}");
        assert_eq!(
            counts(&url).await,
            sample_counts(),
            "{closed:?}: every row loaded"
        );

        execute(&url, ORPHAN_PLAY).await;
        let unpiped = dwh_run(["check", "--database-url", &url]);
        assert_eq!(unpiped.code, Some(2), "{}", unpiped.all());
        let (code, stderr) = run_closed(dwh().args(["check", "--database-url", &url]), closed);
        assert_eq!(
            code,
            Some(2),
            "{closed:?}: dwh check, a failed check: {stderr}"
        );
        let (code, stderr) = run_closed(dwh().args(all_args(&url, &sample(), &[])), closed);
        assert_eq!(
            code,
            Some(2),
            "{closed:?}: dwh all, a failed check: {stderr}"
        );
    }
}

/// `dwh migrate | head -1` applies the whole migration and exits 0.
#[tokio::test]
async fn migrate_into_a_closed_pipe_applies_the_migration() {
    for closed in [Closed::Stdout, Closed::Both] {
        let url = fresh_db(&format!("cli_pipe_migrate_{closed:?}").to_lowercase()).await;
        dwh_run(["create-tables", "--database-url", &url]).assert_success("create-tables");
        // An older `users`: without its last column `is_current`, and a row in it.
        execute(
            &url,
            "ALTER TABLE users DROP COLUMN is_current; \
             INSERT INTO users (user_id, first_name, level, valid_from) \
             VALUES (7, 'Ada', 'free', '2018-11-01')",
        )
        .await;
        let (code, stderr) = run_closed(dwh().args(["migrate", "--database-url", &url]), closed);
        assert_eq!(code, Some(0), "{closed:?}: {stderr}");
        let plan = dwh_run(["plan", "--database-url", &url]);
        assert_eq!(plan.code, Some(0), "{closed:?}, migrated: {}", plan.all());
        let kept = "SELECT COUNT(*) FROM users WHERE user_id = 7 AND is_current = FALSE";
        assert_eq!(scalar(&url, kept).await, 1, "{closed:?}: the row kept");
    }
}
