//! Two dwh runs against one warehouse at once: the second waits for the
//! first (saying so), or with `--no-wait` fails at once, and the warehouse
//! ends exact either way.

mod common;

use std::time::{Duration, Instant};

use common::*;
use sparkify::gen::{generate, GenConfig};

#[tokio::test]
async fn a_second_run_waits_for_the_first_and_both_end_exact() {
    dwh_tests::require_sample!();
    let url = fresh_db("cli_concurrent_wait").await;
    let data = sample();
    // The first run holds the warehouse for a few seconds mid-transform.
    let mut first = Running::spawn(
        dwh()
            .args(all_args(&url, &data, &[]))
            .env(PAUSE_AT, "transform:users")
            .env(PAUSE_SECS, "5"),
    );
    first.wait_for("test pause at transform:users");

    let mut second = Running::spawn(dwh().args(all_args(&url, &data, &[])));
    second.wait_for("waiting for another dwh run to finish writing to this warehouse");
    assert!(
        first.is_running(),
        "the second run waited only after the first had ended"
    );
    let second_stderr = second.stderr();
    assert!(
        second_stderr.contains("server process") && second_stderr.contains("application `dwh`"),
        "the waiting message names the holder:\n{second_stderr}"
    );

    first.finish().assert_success("the first run");
    let second = second.finish();
    second.assert_success("the second run");
    second.assert_stderr_has("the other run finished");
    // Both ran their data-quality checks (exit 0 means they passed) and the
    // tables hold the sample exactly once; staging holds the second run's
    // batch, empty: the first had loaded every file.
    assert_eq!(counts(&url).await, sample_counts_nothing_new());
}

#[tokio::test]
async fn with_no_wait_every_writing_command_fails_at_once_and_changes_nothing() {
    dwh_tests::require_sample!();
    let url = fresh_db("cli_no_wait").await;
    let half = half_sample("cli_no_wait_half");
    dwh_run(all_args(&url, &half, &[])).assert_success("the first run");
    let before = counts(&url).await;

    let mut holder = Running::spawn(
        dwh()
            .args(all_args(&url, &sample(), &[]))
            .env(PAUSE_AT, "transform:users"),
    );
    holder.wait_for("test pause at transform:users");

    let sample = sample().display().to_string();
    let attempts: [&[&str]; 5] = [
        &["all", "--data", &sample],
        &["load", "--data", &sample],
        &["transform"],
        &["create-tables"],
        &["drop-tables", "--yes"],
    ];
    for args in attempts {
        let started = Instant::now();
        let output = dwh_run(
            args.iter()
                .copied()
                .chain(["--no-wait", "--database-url", &url]),
        );
        let what = args[0];
        assert_eq!(output.code, Some(1), "{what} --no-wait:\n{}", output.all());
        output.assert_stderr_has("another dwh run is writing to database `cli_no_wait`");
        output.assert_stderr_has("server process");
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{what} --no-wait waited {:?}",
            started.elapsed()
        );
    }

    holder.kill9();
    // Not even drop-tables got through.
    assert_eq!(counts(&url).await, before);
}

/// Two `dwh all` with no `--data` generate the same data set at once into
/// one directory: neither may see the other's half-written files.
#[tokio::test]
async fn concurrent_runs_generating_their_data_both_succeed() {
    let dir = dwh_tests::scratch("cli_concurrent_gen");
    let local_dir = dir.join("engine").display().to_string();
    let url = fresh_db("cli_concurrent_gen").await;
    let args = [
        "all",
        "--database-url",
        &url,
        "--local-dir",
        &local_dir,
        "--events",
        "3000",
    ];
    let first = Running::spawn(dwh().args(args));
    let second = Running::spawn(dwh().args(args));
    first.finish().assert_success("the first run");
    second.finish().assert_success("the second run");

    // What `dwh all --events 3000` generates, generated here on its own.
    let reference = dir.join("reference");
    let summary = generate(
        &GenConfig {
            events: 3000,
            songs: 150,
            seed: 42,
            ..GenConfig::default()
        },
        &reference,
    )
    .unwrap();
    let got = counts(&url).await;
    // The second run to get the lock found every file loaded: staging holds
    // its empty batch, the fact every play once.
    assert_eq!(got["staging_events"], Some(0));
    assert_eq!(got["songplays"], Some(summary.next_song_events as i64));
    // `users` keeps a version per level change: one current row per user.
    assert_eq!(current_users(&url).await, summary.users as i64);

    let leftovers: Vec<String> = std::fs::read_dir(dir.join("dwh-data"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        leftovers.len(),
        1,
        "one data set, no temporary directories: {leftovers:?}"
    );
    assert!(
        leftovers[0].starts_with("sparkify-3000-42-"),
        "named by project, size, seed and sources: {leftovers:?}"
    );
}
