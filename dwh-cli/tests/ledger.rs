//! The load ledger and the tables it describes never disagree silently:
//! `drop-tables` forgets it with the tables, a table gone by hand stops the
//! run until `--full-refresh`, a rebuild refuses to drop the rows of files
//! gone from the folder, and a demo run of another size rebuilds its own
//! demo warehouse.

mod common;

use std::path::{Path, PathBuf};

use common::*;

/// A data folder of the sample's songs and the November days in `days`,
/// linked from the sample.
fn days_data(name: &str, days: impl IntoIterator<Item = u32>) -> PathBuf {
    let sample = sample();
    let dir = dwh_tests::scratch(name);
    let logs = dir.join("log_data/2018/11");
    std::fs::create_dir_all(&logs).unwrap();
    for day in days {
        link_day(&sample, &logs, day);
    }
    std::os::unix::fs::symlink(sample.join("song_data"), dir.join("song_data")).unwrap();
    dir
}

fn day_file(day: u32) -> String {
    format!("2018-11-{day:02}-events.json")
}

fn link_day(sample: &Path, logs: &Path, day: u32) {
    let file = day_file(day);
    std::os::unix::fs::symlink(
        sample.join("log_data/2018/11").join(&file),
        logs.join(&file),
    )
    .unwrap();
}

async fn execute(url: &str, sql: &str) {
    let warehouse = dwh_core::Warehouse::connect(url, dwh_core::sql::Dialect::Postgres)
        .await
        .unwrap();
    warehouse.client().batch_execute(sql).await.unwrap();
}

/// `drop-tables` then `all` builds every row again (it printed "no new
/// files" and built empty tables while the ledger outlived the tables);
/// `check` and `analyze` in between say there are no tables and what to run.
#[tokio::test]
async fn drop_tables_forgets_the_ledger_and_the_next_run_rebuilds() {
    dwh_tests::require_sample!();
    let url = fresh_db("ledger_drop_tables").await;
    let data = sample();
    dwh_run(all_args(&url, &data, &[])).assert_success("the first run");
    let first = fingerprints(&url).await;
    dwh_run(["drop-tables", "--yes", "--database-url", &url]).assert_success("drop-tables");
    for command in ["check", "analyze"] {
        let out = dwh_run([command, "--database-url", &url]);
        assert_eq!(out.code, Some(1), "{command}: {}", out.all());
        out.assert_stderr_has("holds no tables of warehouse");
        out.assert_stderr_has("dwh all");
        assert!(!out.all().contains("does not exist"), "{}", out.all());
    }
    let again = dwh_run(all_args(&url, &data, &[]));
    again.assert_success("the run after drop-tables");
    again.assert_stderr_has("staging_events: 30 new files");
    assert_eq!(counts(&url).await, sample_counts());
    let second = fingerprints(&url).await;
    // The late-arrival table was rebuilt, not kept beside the new tables.
    assert_eq!(
        second["dwh_unmatched_songplays"],
        first["dwh_unmatched_songplays"]
    );
}

/// A star or staging table dropped by hand while the ledger lists files:
/// the run refuses (it created the table empty and reported success) and
/// names `--full-refresh`, which rebuilds it.
#[tokio::test]
async fn a_table_dropped_by_hand_stops_the_run_until_a_full_refresh() {
    dwh_tests::require_sample!();
    let url = fresh_db("ledger_dropped_by_hand").await;
    let data = sample();
    dwh_run(all_args(&url, &data, &[])).assert_success("the first run");
    execute(&url, "DROP TABLE artists").await;
    let before = fingerprints(&url).await;
    let refused = dwh_run(all_args(&url, &data, &[]));
    assert_eq!(refused.code, Some(1), "{}", refused.all());
    refused.assert_stderr_has("`artists`");
    refused.assert_stderr_has("--full-refresh");
    assert_eq!(fingerprints(&url).await, before, "nothing changed");

    dwh_run(all_args(&url, &data, &["--full-refresh"])).assert_success("the full refresh");
    assert_eq!(counts(&url).await, sample_counts());
}

/// `dwh migrate` does not create a table dropped by hand while the ledger
/// lists files (it did, and the next run found an empty table and took in
/// only new files); `dwh plan` says it will refuse.
#[tokio::test]
async fn migrate_does_not_create_a_table_dropped_by_hand_empty() {
    dwh_tests::require_sample!();
    let url = fresh_db("ledger_migrate_dropped").await;
    let data = sample();
    dwh_run(all_args(&url, &data, &[])).assert_success("the first run");
    execute(&url, "DROP TABLE artists").await;
    let plan = dwh_run(["plan", "--database-url", &url]);
    assert_eq!(plan.code, Some(2), "{}", plan.all());
    plan.assert_stderr_has("will refuse");
    let refused = dwh_run(["migrate", "--database-url", &url]);
    assert_eq!(refused.code, Some(1), "{}", refused.all());
    refused.assert_stderr_has("`artists`");
    refused.assert_stderr_has("--full-refresh");
    let refused_again = dwh_run(all_args(&url, &data, &[]));
    assert_eq!(refused_again.code, Some(1), "{}", refused_again.all());

    dwh_run(all_args(&url, &data, &["--full-refresh"])).assert_success("the full refresh");
    assert_eq!(counts(&url).await, sample_counts());
}

/// A rebuild from a folder that lost files the ledger lists would drop
/// their rows: `--full-refresh` and `--reload-changed` refuse, naming the
/// files, their count and rows, unless `--allow-missing-files`. An
/// incremental run keeps their rows and says which are gone, and a folder
/// holding none of the ledger's files is called out as maybe the wrong one.
#[tokio::test]
async fn a_rebuild_refuses_to_drop_the_rows_of_files_gone_from_the_folder() {
    dwh_tests::require_sample!();
    let url = fresh_db("ledger_missing_files").await;
    let data = days_data("ledger_missing_files", 1..=30);
    dwh_run(all_args(&url, &data, &[])).assert_success("the first run");
    let full = fingerprints(&url).await;
    let logs = data.join("log_data/2018/11");
    for day in 2..=30 {
        std::fs::remove_file(logs.join(day_file(day))).unwrap();
    }

    let kept = dwh_run(all_args(&url, &data, &[]));
    kept.assert_success("the incremental run");
    kept.assert_stderr_has("29 files loaded before are gone");
    kept.assert_stderr_has(&day_file(2));
    assert_eq!(fingerprints(&url).await["songplays"], full["songplays"]);

    let refused = dwh_run(all_args(&url, &data, &["--full-refresh"]));
    assert_eq!(refused.code, Some(1), "{}", refused.all());
    refused.assert_stderr_has("29 files");
    refused.assert_stderr_has(&day_file(2));
    refused.assert_stderr_has("and 24 more");
    refused.assert_stderr_has("rows");
    refused.assert_stderr_has("--allow-missing-files");
    assert_eq!(fingerprints(&url).await["songplays"], full["songplays"]);

    // One day's file, edited: --reload-changed would rebuild from it alone.
    let first = logs.join(day_file(1));
    let text = std::fs::read_to_string(&first).unwrap();
    std::fs::remove_file(&first).unwrap();
    std::fs::write(
        &first,
        text.replace("\"level\":\"free\"", "\"level\":\"paid\""),
    )
    .unwrap();
    let refused = dwh_run(all_args(&url, &data, &["--reload-changed"]));
    assert_eq!(refused.code, Some(1), "{}", refused.all());
    refused.assert_stderr_has("--allow-missing-files");
    assert_eq!(fingerprints(&url).await["songplays"], full["songplays"]);

    let allowed = dwh_run(all_args(
        &url,
        &data,
        &["--full-refresh", "--allow-missing-files"],
    ));
    allowed.assert_success("the rebuild allowed to drop files");
    allowed.assert_stderr_has("29 files");
    let one_day = counts(&url).await["songplays"].unwrap();
    assert!(one_day > 0 && one_day < 6820, "{one_day}");

    // A folder holding none of the files loaded: maybe the wrong one.
    let other = days_data("ledger_missing_files_other", [2]);
    let wrong = dwh_run(all_args(&url, &other, &[]));
    wrong.assert_success("the run on another folder");
    wrong.assert_stderr_has("none of the 1 file");
    wrong.assert_stderr_has("wrong folder");
}

/// `dwh all --size N` after a demo run of another size: the demo data
/// differs from what the demo warehouse was loaded from, files the user
/// never touched, so the demo warehouse is rebuilt from it (it was refused
/// as "source files changed … restore the file").
#[tokio::test]
async fn a_demo_run_of_another_size_rebuilds_the_demo_warehouse() {
    let engine = EngineDir::new("ledger-demo-size");
    let engine_arg = engine.arg();
    for size in ["300", "200"] {
        let out = dwh_run(["all", "--local-dir", &engine_arg, "--size", size]);
        out.assert_success(&format!("the demo run of size {size}"));
        assert!(!out.all().contains("restore the file"), "{}", out.all());
    }
    let again = dwh_run(["all", "--local-dir", &engine_arg, "--size", "200"]);
    again.assert_success("the same size again");
    again.assert_stderr_has("no new files");
    let out = dwh_run(["all", "--local-dir", &engine_arg, "--size", "300"]);
    out.assert_success("back to size 300");
    out.assert_stderr_has("rebuilding the demo warehouse");
}
