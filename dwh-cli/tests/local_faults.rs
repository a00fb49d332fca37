//! Local engine faults as a user meets them: the server killed in the
//! middle of a run, its stale pid file, its port taken meanwhile, its data
//! directory owned by someone else. Each gets a clear message and a way
//! out. (Unit and engine-level tests of the same live in dwh-core.)

mod common;

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use common::*;
use dwh_core::local::{EngineState, LocalEngine};

#[tokio::test]
async fn a_server_killed_mid_run_is_reported_and_the_next_run_recovers() {
    dwh_tests::require_sample!();
    let engine = EngineDir::new("killed");
    let data = sample().display().to_string();
    let args = ["all", "--local-dir", &engine.arg(), "--data", &data];

    // The run pauses mid-transform while its server dies under it.
    let mut run = Running::spawn(
        dwh()
            .args(args)
            .env(PAUSE_AT, "transform:users")
            .env(PAUSE_SECS, "4"),
    );
    run.wait_for("test pause at transform:users");
    let EngineState::Running { pid } = LocalEngine::status(&engine.requested).unwrap().state else {
        panic!("no server running");
    };
    signal("-KILL", pid);
    let output = run.finish();
    assert_eq!(output.code, Some(1), "{}", output.all());
    output.assert_stderr_has("lost the connection to the warehouse");
    output.assert_stderr_has("dwh local status");

    // The pid file it left is stale: the engine counts as stopped...
    wait_until(|| !engine.running());
    let status = dwh_run(["local", "status", "--local-dir", &engine.arg()]);
    assert_eq!(status.code, Some(3), "{}", status.all());
    assert!(status.stdout.starts_with("stopped"), "{}", status.stdout);

    // ...and the next run restarts it and completes, with exact counts.
    dwh_run(args).assert_success("the run after the crash");
    let url = dwh_run(["local", "url", "--local-dir", &engine.arg()]);
    let url = url.stdout.trim().to_owned();
    assert_eq!(counts(&url).await, sample_counts());

    // The port taken while the engine is stopped: it moves to another.
    dwh_run(["local", "stop", "--local-dir", &engine.arg()]).assert_success("stop");
    let port = url.rsplit(':').next().unwrap().split('/').next().unwrap();
    let squatter = std::net::TcpListener::bind(format!("127.0.0.1:{port}")).unwrap();
    let moved = dwh_run(["local", "url", "--local-dir", &engine.arg()]);
    moved.assert_success("a start with the port taken");
    let moved = moved.stdout.trim().to_owned();
    assert_ne!(moved, url);
    assert_eq!(
        counts(&moved).await,
        sample_counts(),
        "the data moved along"
    );
    drop(squatter);
    dwh_run(["local", "stop", "--local-dir", &engine.arg()]).assert_success("stop");
}

fn is_root() -> bool {
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

#[test]
fn a_data_dir_owned_by_another_user_is_refused_with_a_way_out() {
    if !is_root() {
        // Only root can hand a directory to another user.
        eprintln!("skipped: needs root to chown a data directory");
        return;
    }
    let engine = EngineDir::new("foreign");
    let dir: PathBuf = LocalEngine::engine_dir(&engine.requested).unwrap();
    let data: &Path = &dir.join("data");
    std::fs::create_dir_all(data).unwrap();
    let nobody = 65534;
    std::os::unix::fs::chown(data, Some(nobody), Some(nobody)).unwrap();

    let output = dwh_run(["local", "start", "--local-dir", &engine.arg()]);
    assert_eq!(output.code, Some(1), "{}", output.all());
    output.assert_stderr_has(&format!("it is owned by uid {nobody}"));
    output.assert_stderr_has("or set DWH_LOCAL_DIR to another directory");
    assert!(!engine.running());
}

/// Earlier versions made UNLOGGED staging tables, which PostgreSQL 15
/// cannot recover after a server crash mid-load; they are made logged.
#[tokio::test]
async fn unlogged_staging_tables_of_earlier_versions_become_logged() {
    let url = fresh_db("cli_unlogged_staging").await;
    dwh_run(["create-tables", "--database-url", &url]).assert_success("create-tables");
    let warehouse = dwh_core::Warehouse::connect(&url, dwh_core::sql::Dialect::Postgres)
        .await
        .unwrap();
    let persistence = || async {
        warehouse
            .client()
            .query_one(
                "SELECT string_agg(relname || '=' || relpersistence::text, ',' ORDER BY relname) \
                 FROM pg_class WHERE relname IN ('staging_events', 'staging_songs')",
                &[],
            )
            .await
            .unwrap()
            .get::<_, String>(0)
    };
    assert_eq!(persistence().await, "staging_events=p,staging_songs=p");
    warehouse
        .client()
        .batch_execute(
            "ALTER TABLE staging_events SET UNLOGGED; ALTER TABLE staging_songs SET UNLOGGED",
        )
        .await
        .unwrap();
    assert_eq!(persistence().await, "staging_events=u,staging_songs=u");
    dwh_run(["create-tables", "--database-url", &url]).assert_success("create-tables again");
    assert_eq!(persistence().await, "staging_events=p,staging_songs=p");
}
