//! Crash safety: `dwh all` killed with SIGKILL, or stopped with Ctrl-C, in
//! the middle of its load or transform leaves the warehouse exactly as it
//! was before that run (every table's rows, the load ledger's included,
//! compared by an md5 of the sorted rows), and the next run completes with
//! exact counts. The killed runs are incremental: they add the second half
//! of November to a warehouse holding the first.

mod common;

use common::*;
use sparkify::gen::{generate, GenConfig};

/// Where the kills of the incremental run land, in run order; all inside
/// the run's transaction: a COPY half sent (its files not yet in the
/// ledger), staging loaded and its files recorded, after each dimension
/// and the fact in the schema's own order (every one, whether its input is
/// new or not), and everything done but the COMMIT. Its song files are
/// loaded already: no COPY of `staging_songs` runs.
fn kill_points() -> Vec<String> {
    let mut points = vec![
        "copy:staging_events".to_owned(),
        "load:staging_events".to_owned(),
    ];
    let schema = sparkify::schema();
    let tables = schema.transform_order();
    points.extend(tables.map(|t| format!("transform:{}", t.name)));
    points.push("commit".to_owned());
    points
}

#[tokio::test]
async fn a_run_killed_anywhere_in_load_or_transform_changes_nothing() {
    dwh_tests::require_sample!();
    let url = fresh_db("cli_crash_points").await;
    let half = half_sample("cli_crash_half");
    // The very first run, killed in its second COPY, leaves no table.
    let mut first = Running::spawn(
        dwh()
            .args(all_args(&url, &half, &[]))
            .env(PAUSE_AT, "copy:staging_songs"),
    );
    first.wait_for("test pause at copy:staging_songs");
    first.kill9();
    assert!(fingerprints(&url).await.values().all(Option::is_none));
    dwh_run(all_args(&url, &half, &[])).assert_success("the first run");
    let before = fingerprints(&url).await;
    assert!(
        before["staging_events"].as_ref().unwrap().0 < 8056,
        "the killed runs must have more to load: {before:?}"
    );

    let full = sample();
    let points = kill_points();
    assert_eq!(points.len(), 8, "every dimension and the fact: {points:?}");
    for point in &points {
        let mut run = Running::spawn(dwh().args(all_args(&url, &full, &[])).env(PAUSE_AT, point));
        run.wait_for(&format!("test pause at {point}"));
        run.kill9();
        assert_eq!(fingerprints(&url).await, before, "after a kill at {point}");
    }

    let rerun = dwh_run(all_args(&url, &full, &[]));
    rerun.assert_success("the run after the kills");
    // Staging holds the run's batch: the second half's events, and no song
    // (the first run loaded every song file).
    let first_half = before["staging_events"].as_ref().unwrap().0;
    let mut expected = sample_counts();
    expected.insert("staging_events", Some(8056 - first_half));
    expected.insert("staging_songs", Some(0));
    assert_eq!(counts(&url).await, expected);
    // The dimensions are those of one run over the whole month.
    let reference = fresh_db("cli_crash_points_reference").await;
    dwh_run(all_args(&reference, &full, &[])).assert_success("the reference run");
    let (got, want) = (fingerprints(&url).await, fingerprints(&reference).await);
    for table in ["users", "songs", "artists", "time"] {
        assert_eq!(got[table], want[table], "{table}");
    }
    assert_eq!(ledger_files(&url).await, (30 + 71, 0));
}

/// The ledger's files, and how many are not transformed.
async fn ledger_files(url: &str) -> (i64, i64) {
    let warehouse = dwh_core::Warehouse::connect(url, dwh_core::sql::Dialect::Postgres)
        .await
        .unwrap();
    let sql = "SELECT COUNT(*), COUNT(*) FILTER (WHERE NOT transformed) FROM dwh_loaded_files";
    let row = warehouse.client().query_one(sql, &[]).await.unwrap();
    (row.get(0), row.get(1))
}

/// A big load (days 6 to 30 of 300k events) killed inside its COPY, once
/// the first buffer of rows was sent: the pause point makes the moment
/// exact, where a timer depended on how fast the loader was that day.
#[tokio::test]
async fn a_big_load_killed_inside_its_copy_changes_nothing() {
    let dir = dwh_tests::scratch("cli_crash_big");
    let full = dir.join("full");
    let summary = generate(
        &GenConfig {
            events: 300_000,
            songs: 3_000,
            seed: 11,
            ..GenConfig::default()
        },
        &full,
    )
    .unwrap();
    // A first run on five days of it.
    let part = dir.join("part");
    let logs = part.join("log_data/2018/11");
    std::fs::create_dir_all(&logs).unwrap();
    for day in 1..=5 {
        let file = format!("2018-11-{day:02}-events.json");
        std::os::unix::fs::symlink(full.join("log_data/2018/11").join(&file), logs.join(&file))
            .unwrap();
    }
    std::os::unix::fs::symlink(full.join("song_data"), part.join("song_data")).unwrap();

    let url = fresh_db("cli_crash_big").await;
    dwh_run(all_args(&url, &part, &[])).assert_success("the first run");
    let before = fingerprints(&url).await;

    let point = "copy:staging_events";
    let mut run = Running::spawn(dwh().args(all_args(&url, &full, &[])).env(PAUSE_AT, point));
    run.wait_for(&format!("test pause at {point}"));
    run.kill9();
    assert_eq!(fingerprints(&url).await, before, "after a kill mid-load");

    dwh_run(all_args(&url, &full, &[])).assert_success("the run after the kill");
    let after = counts(&url).await;
    // The generator's own counts of what it wrote.
    // Staging holds the run's batch: the events of days 6 to 30, and no
    // song (the first run loaded every song file).
    let part_events = before["staging_events"].as_ref().unwrap().0 as u64;
    let want = [
        ("staging_events", summary.events - part_events),
        ("staging_songs", 0),
        ("songs", summary.songs),
        ("artists", summary.artists),
        ("time", distinct_play_times(&full)),
        ("songplays", summary.next_song_events),
    ];
    for (table, rows) in want {
        assert_eq!(after[table], Some(rows as i64), "{table}");
    }
    // `users` keeps a version per level change: one current row per user.
    assert_eq!(
        current_users(&url).await,
        summary.users as i64,
        "current users"
    );
}

#[tokio::test]
async fn ctrl_c_stops_cleanly_with_exit_code_130() {
    dwh_tests::require_sample!();
    let url = fresh_db("cli_ctrl_c").await;
    let half = half_sample("cli_ctrl_c_half");
    dwh_run(all_args(&url, &half, &[])).assert_success("the first run");
    let before = fingerprints(&url).await;

    for point in ["copy:staging_events", "transform:songplays"] {
        let mut run = Running::spawn(
            dwh()
                .args(all_args(&url, &sample(), &[]))
                .env(PAUSE_AT, point),
        );
        run.wait_for(&format!("test pause at {point}"));
        run.interrupt();
        let output = run.finish();
        assert_eq!(
            output.code,
            Some(130),
            "Ctrl-C at {point}:\n{}",
            output.all()
        );
        output.assert_stderr_has("interrupted");
        output.assert_stderr_has("open transaction rolled back");
        assert_eq!(fingerprints(&url).await, before, "after Ctrl-C at {point}");
    }
}

/// Distinct `ts` of the NextSong events below `dir`, read with serde_json:
/// the rows `time` must have.
fn distinct_play_times(dir: &std::path::Path) -> u64 {
    let events = dwh_tests::json_objects(&dir.join("log_data"));
    let times: std::collections::BTreeSet<i64> = events
        .iter()
        .filter(|e| e["page"] == "NextSong")
        .map(|e| e["ts"].as_f64().expect("ts is a number") as i64)
        .collect();
    times.len() as u64
}

/// The comparison above can fail where counts cannot: one changed value,
/// same counts, another fingerprint.
#[tokio::test]
async fn fingerprints_see_a_changed_value_that_counts_miss() {
    dwh_tests::require_sample!();
    let url = fresh_db("cli_crash_fingerprints").await;
    dwh_run(all_args(&url, &half_sample("cli_crash_fp_half"), &[])).assert_success("the run");
    let (counts_before, before) = (counts(&url).await, fingerprints(&url).await);
    let warehouse = dwh_core::Warehouse::connect(&url, dwh_core::sql::Dialect::Postgres)
        .await
        .unwrap();
    warehouse
        .client()
        .batch_execute(
            "UPDATE users SET level = CASE level WHEN 'free' THEN 'paid' ELSE 'free' END \
             WHERE user_id = (SELECT min(user_id) FROM users)",
        )
        .await
        .unwrap();
    assert_eq!(counts(&url).await, counts_before);
    let after = fingerprints(&url).await;
    assert_ne!(after["users"], before["users"]);
    assert_eq!(after["songplays"], before["songplays"]);
}
