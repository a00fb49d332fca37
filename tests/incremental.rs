//! Incremental loads against the real PostgreSQL engine: the load ledger,
//! lookups against dimensions across runs, late-arriving songs, and
//! changed files. Every comparison is of whole tables, row by row.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use dwh_core::checks::{CheckResult, Scope};
use dwh_core::load::policy::BatchPolicy;
use dwh_core::load::{Source, SourceFile, StagingReport};
use dwh_core::pipeline::{self, Files, Loaded};
use dwh_core::project::Generator;
use dwh_core::run::RunError;
use dwh_core::warehouse::TransformReport;
use dwh_core::{Warehouse, WarehouseError};
use dwh_tests::{
    assert_checks_passed, fresh_warehouse, json_files, project_sources, sample_data, scratch,
    star_tables,
};

/// One `dwh all` as the CLI runs it: the batch chosen against the ledger,
/// a changed file refused (unless `full_refresh`), the plan run, and the
/// checks of what it added, which must pass.
async fn run(
    warehouse: &mut Warehouse,
    dir: &Path,
    full_refresh: bool,
) -> Result<Loaded, RunError> {
    let project = sparkify::project();
    let files = Files {
        sources: project_sources(&project, dir),
        ..Files::default()
    };
    run_files(warehouse, files, full_refresh).await
}

async fn run_files(
    warehouse: &mut Warehouse,
    files: Files,
    full_refresh: bool,
) -> Result<Loaded, RunError> {
    let project = sparkify::project();
    let policy = BatchPolicy {
        full_refresh,
        ..BatchPolicy::default()
    };
    let report = dwh_tests::run_files(warehouse, &project, files, policy).await?;
    assert_checks_passed(&report);
    assert_reported_rows_are_the_tables(warehouse, &report.transform).await;
    Ok(Loaded {
        staging: report.staging,
        transform: report.transform,
    })
}

/// The rows a run reports after each table's load (worked out from its
/// statements' counts and the count kept by the run before) are the rows
/// the table holds.
async fn assert_reported_rows_are_the_tables(warehouse: &Warehouse, loaded: &[TransformReport]) {
    for table in loaded {
        let sql = format!("SELECT COUNT(*) FROM \"{}\"", table.table);
        let rows: i64 = warehouse
            .client()
            .query_one(&sql, &[])
            .await
            .unwrap()
            .get(0);
        assert_eq!(table.rows_after, rows as u64, "{table:?}");
    }
}

/// Symlinks `files` (paths below `from`) into `to`, keeping their paths.
fn link(from: &Path, to: &Path, files: &[PathBuf]) {
    std::fs::create_dir_all(to).unwrap();
    for file in files {
        let target = to.join(file.strip_prefix(from).unwrap());
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(file, target).unwrap();
    }
}

/// A data directory holding `logs` of `data`'s log files and `songs` of
/// its song files.
fn day_dir(root: &Path, name: &str, data: &Path, logs: &[PathBuf], songs: &[PathBuf]) -> PathBuf {
    let dir = root.join(name);
    link(&data.join("log_data"), &dir.join("log_data"), logs);
    link(&data.join("song_data"), &dir.join("song_data"), songs);
    dir
}

/// The November sample loaded one day at a time (30 runs, each given only
/// that day's log file plus every song file) builds exactly the tables of
/// one run over the whole month.
#[tokio::test]
async fn thirty_daily_runs_build_the_tables_of_one_run_over_the_month() {
    dwh_tests::require_sample!();
    let data = sample_data();
    let root = scratch("incremental_days");
    let logs = json_files(&data.join("log_data"));
    let songs = json_files(&data.join("song_data"));
    assert_eq!(logs.len(), 30, "one log file per day of November");

    let (mut daily, _) = fresh_warehouse("incremental_daily").await;
    let mut analyzed_days = Vec::new();
    let mut scoped_days = 0;
    for (day, log) in logs.iter().enumerate() {
        let dir = day_dir(
            &root,
            &format!("day-{day:02}"),
            &data,
            std::slice::from_ref(log),
            &songs,
        );
        let loaded = run(&mut daily, &dir, false).await.unwrap();
        let loaded_files: Vec<u64> = loaded.staging.iter().map(|s| s.files).collect();
        // The day's log file, and the song files on the first day only.
        let expected = if day == 0 {
            vec![1, songs.len() as u64]
        } else {
            vec![1]
        };
        assert_eq!(loaded_files, expected, "day {day}");
        // A day only appends plays: once its events are fewer than a tenth
        // of the plays loaded before, their references are checked on the
        // day's batch.
        let events = loaded.staging.iter().find(|s| s.table == "staging_events");
        let events = events.map_or(0, |s| s.rows);
        let before = loaded.transform.iter().find(|t| t.table == "songplays");
        let small = events * 10 < before.unwrap().rows_before;
        let scoped = pipeline::appended(&sparkify::schema(), &loaded).contains(&"songplays");
        assert_eq!(scoped, small, "day {day}: {:?}", loaded.transform);
        scoped_days += usize::from(scoped);
        // ANALYZE only where the day changed a tenth of the plays or more
        // (no late arrivals here: every song comes on day one).
        let plays = loaded
            .transform
            .iter()
            .find(|t| t.table == "songplays")
            .unwrap();
        let added = plays.rows_after - plays.rows_before;
        let worth = plays.rows_before == 0 || added * 10 >= plays.rows_before;
        assert_eq!(plays.analyzed, worth, "day {day}: {plays:?}");
        if plays.analyzed {
            analyzed_days.push(day);
        }
    }
    assert!(
        analyzed_days.len() > 2 && analyzed_days.len() < 20,
        "analyzed on days {analyzed_days:?}"
    );
    assert!(
        scoped_days > 5 && scoped_days < 29,
        "{scoped_days} days checked on their batch"
    );
    let (mut once, _) = fresh_warehouse("incremental_once").await;
    run(&mut once, &data, false).await.unwrap();

    let (daily_tables, once_tables) = (
        star_tables(&daily, &sparkify::schema()).await,
        star_tables(&once, &sparkify::schema()).await,
    );
    assert!(daily_tables["songplays"].len() > 6000);
    for (table, rows) in &once_tables {
        assert!(
            &daily_tables[table] == rows,
            "{table} differs: {} rows daily, {} in one run",
            daily_tables[table].len(),
            rows.len()
        );
    }
}

/// A day's run into a warehouse checks a fact's references on the rows
/// whose key the day's batch holds (every row the run wrote), not on the
/// whole fact; `dwh check` (the whole scope) reads every row. A reference
/// broken in the batch fails the day's check, naming the key; one broken
/// in an earlier day's row fails only the whole check.
#[tokio::test]
async fn a_days_checks_read_its_batch_and_the_whole_check_every_row() {
    dwh_tests::require_sample!();
    let data = sample_data();
    let root = scratch("incremental_batch_checks");
    let logs = json_files(&data.join("log_data"));
    let songs = json_files(&data.join("song_data"));
    let (last, earlier) = logs.split_last().unwrap();
    let (mut warehouse, _) = fresh_warehouse("incremental_batch_checks").await;
    run(
        &mut warehouse,
        &day_dir(&root, "before", &data, earlier, &songs),
        false,
    )
    .await
    .unwrap();
    let day = day_dir(&root, "day", &data, std::slice::from_ref(last), &[]);
    let loaded = run(&mut warehouse, &day, false).await.unwrap();
    let appended = pipeline::appended(sparkify::project().schema(), &loaded);
    assert!(appended.contains(&"songplays"), "{appended:?}");

    // One play of the day and one of an earlier day lose their `time` row.
    let client = warehouse.client();
    let pick = |new: &str| {
        format!(
            "SELECT CAST(start_time AS VARCHAR(512)) FROM songplays \
             WHERE start_time {new} IN (SELECT ts FROM staging_events WHERE ts IS NOT NULL) \
             ORDER BY start_time LIMIT 1"
        )
    };
    let of_the_day: String = client.query_one(&pick(""), &[]).await.unwrap().get(0);
    let earlier_day: String = client.query_one(&pick("NOT"), &[]).await.unwrap().get(0);
    let deleted = client
        .execute(
            "DELETE FROM \"time\" WHERE CAST(start_time AS VARCHAR(512)) IN ($1, $2)",
            &[&of_the_day, &earlier_day],
        )
        .await
        .unwrap();
    assert_eq!(deleted, 2);

    let queries = sparkify::project().check_queries(5);
    let in_time = |results: &[CheckResult], suffix: &str| {
        play_check(results, &format!("every `start_time` is in `time`{suffix}"))
    };
    let changed = pipeline::changed(&loaded);
    assert!(!changed.contains(&"songs"), "{changed:?}");
    let scope = Scope::Appended {
        appended: &appended,
        changed: &changed,
    };
    let day_checks = pipeline::check(&warehouse, &queries, scope, &mut ())
        .await
        .unwrap();
    let batch = in_time(&day_checks, dwh_core::checks::BATCH_ONLY);
    assert_eq!((batch.passed, batch.failures), (false, 1), "{batch:?}");
    assert!(batch.examples[0].starts_with(&of_the_day), "{batch:?}");

    let whole = pipeline::check(&warehouse, &queries, Scope::Whole, &mut ())
        .await
        .unwrap();
    let all_rows = in_time(&whole, "");
    assert_eq!(
        (all_rows.passed, all_rows.failures),
        (false, 2),
        "{all_rows:?}"
    );
    // The kept row counts are checked on whole tables only: the day leaves
    // them out for the tables it only appended to, and the whole checks
    // find the two `time` rows deleted behind dwh's back.
    let kept = |results: &[CheckResult], table: &str| -> Option<(bool, u64)> {
        results
            .iter()
            .find(|c| c.table == table && c.check.contains("dwh_row_counts"))
            .map(|c| (c.passed, c.failures))
    };
    for table in &appended {
        assert_eq!(kept(&day_checks, table), None, "{table}");
        assert!(kept(&whole, table).is_some(), "{table}");
    }
    assert_eq!(kept(&whole, "time"), Some((false, 2)), "{whole:#?}");
    assert!(
        whole
            .iter()
            .all(|c| !c.check.ends_with(dwh_core::checks::BATCH_ONLY)),
        "{whole:#?}"
    );
    late_arrivals_are_checked_on_the_batch_unless_lookups_changed(&warehouse, &appended).await;
    type_2_references_are_checked_on_the_batch(&warehouse, &appended).await;
}

/// A play of the day whose user's version was moved past it fails the
/// day's check of the type-2 reference, read on the batch (the versions'
/// index makes it a probe per play).
async fn type_2_references_are_checked_on_the_batch(
    warehouse: &dwh_core::Warehouse,
    appended: &[&'static str],
) {
    let client = warehouse.client();
    let user: i32 = client
        .query_one(
            "SELECT user_id FROM songplays WHERE user_id IS NOT NULL \
             AND start_time IN (SELECT ts FROM staging_events) ORDER BY start_time LIMIT 1",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    let moved = client
        .execute(
            "UPDATE users SET valid_from = valid_from + INTERVAL '100 years' \
             WHERE user_id = $1 AND valid_to IS NULL",
            &[&user],
        )
        .await
        .unwrap();
    assert_eq!(moved, 1);
    let queries = sparkify::project().check_queries(5);
    let scope = Scope::Appended {
        appended,
        changed: &[],
    };
    let day = pipeline::check(warehouse, &queries, scope, &mut ())
        .await
        .unwrap();
    let check = play_check(
        &day,
        &format!(
            "every `user_id` finds the `users` version valid at its `start_time`{}",
            dwh_core::checks::BATCH_ONLY
        ),
    );
    assert!(!check.passed, "{check:?}");
    assert!(
        check.examples[0].starts_with(&user.to_string()),
        "{check:?}"
    );
}

/// The late-arrival check of a day whose lookup tables did not change reads
/// the day's plays: a song of one of them put in by hand (as if a run had
/// brought it and not filled the play in) fails it. After a run that
/// changed `songs` it reads every unmatched row.
async fn late_arrivals_are_checked_on_the_batch_unless_lookups_changed(
    warehouse: &dwh_core::Warehouse,
    appended: &[&'static str],
) {
    const CHECK: &str = "no unmatched row has a match now (late arrivals filled in)";
    let client = warehouse.client();
    let play = client
        .query_one(
            "SELECT song, artist, length FROM staging_events \
             WHERE page = 'NextSong' AND ts IN (SELECT start_time FROM songplays WHERE song_id IS NULL) \
             ORDER BY ts LIMIT 1",
            &[],
        )
        .await
        .unwrap();
    let (title, artist, length): (String, String, f64) = (play.get(0), play.get(1), play.get(2));
    client
        .execute(
            "INSERT INTO artists (artist_id, name) VALUES ('ARLATE', $1)",
            &[&artist],
        )
        .await
        .unwrap();
    client
        .execute(
            "INSERT INTO songs (song_id, title, artist_id, artist_name, duration) \
             VALUES ('SOLATE', $1, 'ARLATE', $2, $3)",
            &[&title, &artist, &length],
        )
        .await
        .unwrap();
    let queries = sparkify::project().check_queries(5);
    let late =
        |results: &[CheckResult], suffix: &str| play_check(results, &format!("{CHECK}{suffix}"));
    let scoped = |changed| Scope::Appended { appended, changed };
    let day = pipeline::check(warehouse, &queries, scoped(&[]), &mut ())
        .await
        .unwrap();
    let batch = late(&day, dwh_core::checks::BATCH_ONLY);
    assert!(!batch.passed && batch.failures >= 1, "{batch:?}");
    let after_songs = pipeline::check(warehouse, &queries, scoped(&["songs"]), &mut ())
        .await
        .unwrap();
    let whole = late(&after_songs, "");
    assert_eq!(whole.failures, batch.failures, "{whole:?}");
}

/// The check of `songplays` named `name` among `results`.
fn play_check(results: &[CheckResult], name: &str) -> CheckResult {
    results
        .iter()
        .find(|c| c.table == "songplays" && c.check == name)
        .unwrap_or_else(|| panic!("no check {name:?}: {results:#?}"))
        .clone()
}

/// A run that loaded `events` staging rows and took the fact from
/// `before` to `after` rows, its statements writing `changed`.
fn run_of(events: u64, before: u64, after: u64, changed: u64) -> Loaded {
    let staging = StagingReport {
        table: "staging_events",
        location: String::new(),
        files: 1,
        rows: events,
        bytes: 0,
        rejected: 0,
        rejects_file: None,
        ledger: Vec::new(),
    };
    let fact = TransformReport {
        table: "songplays",
        rows_before: before,
        rows_after: after,
        rows_changed: changed,
        analyzed: false,
        duration: Default::default(),
    };
    Loaded {
        staging: (events > 0).then_some(staging).into_iter().collect(),
        transform: vec![fact],
    }
}

#[test]
fn only_a_small_batch_that_changed_no_earlier_row_is_checked_alone() {
    let schema = sparkify::schema();
    assert_eq!(
        pipeline::appended(&schema, &run_of(100, 10_000, 10_080, 80)),
        ["songplays"]
    );
    // Late matches updated earlier rows, which the batch does not hold.
    assert!(pipeline::appended(&schema, &run_of(100, 10_000, 10_080, 95)).is_empty());
    // A batch of a tenth of the table or more, or none (a re-run).
    assert!(pipeline::appended(&schema, &run_of(1_000, 10_000, 10_800, 800)).is_empty());
    assert!(pipeline::appended(&schema, &run_of(0, 10_000, 10_000, 0)).is_empty());
    // A first load.
    assert!(pipeline::appended(&schema, &run_of(100, 0, 80, 80)).is_empty());
}

/// Counts the files a source opens: a run with nothing new opens none.
#[derive(Debug)]
struct Counting {
    inner: Arc<dyn Source>,
    opened: Arc<AtomicUsize>,
}

impl Source for Counting {
    fn location(&self) -> String {
        self.inner.location()
    }
    fn files(&self) -> std::io::Result<Vec<SourceFile>> {
        self.inner.files()
    }
    fn open(&self, file: &SourceFile) -> std::io::Result<Box<dyn std::io::Read + Send>> {
        self.opened.fetch_add(1, Ordering::SeqCst);
        self.inner.open(file)
    }
}

/// Re-running over files already loaded reads none of them and changes no
/// row of any table (no row version is rewritten), ledger included.
#[tokio::test]
async fn a_rerun_with_no_new_files_reads_nothing_and_changes_nothing() {
    dwh_tests::require_sample!();
    let (mut warehouse, _) = fresh_warehouse("incremental_rerun").await;
    let data = sample_data();
    run(&mut warehouse, &data, false).await.unwrap();
    let tables = [
        "users",
        "songs",
        "artists",
        "time",
        "songplays",
        "dwh_loaded_files",
    ];
    let mut before = Vec::new();
    for table in tables {
        before.push(row_versions(&warehouse, table).await);
    }
    let opened = Arc::new(AtomicUsize::new(0));
    let files = Files {
        sources: project_sources(&sparkify::project(), &data)
            .into_iter()
            .map(|(table, inner)| {
                let counting = Counting {
                    inner,
                    opened: Arc::clone(&opened),
                };
                (table, Arc::new(counting) as Arc<dyn Source>)
            })
            .collect(),
        ..Files::default()
    };
    let loaded = run_files(&mut warehouse, files, false).await.unwrap();
    assert!(loaded.staging.is_empty(), "{:?}", loaded.staging);
    assert_eq!(opened.load(Ordering::SeqCst), 0, "files were read");
    for (table, before) in tables.into_iter().zip(before) {
        assert_eq!(
            row_versions(&warehouse, table).await,
            before,
            "{table} changed"
        );
    }
}

/// The transaction ids that wrote `table`'s row versions, sorted.
async fn row_versions(warehouse: &Warehouse, table: &str) -> Vec<String> {
    let sql = format!("SELECT xmin::text FROM \"{table}\" ORDER BY 1");
    let rows = warehouse.client().query(&sql, &[]).await.unwrap();
    rows.iter().map(|r| r.get(0)).collect()
}

/// Generated data where the songs arrive after the plays that match them
/// (first the events alone, then the songs) ends with the tables of one
/// run over everything: the late matches are filled in.
#[tokio::test]
async fn songs_arriving_after_their_plays_are_matched_then() {
    let data = scratch("incremental_generated_data");
    sparkify::gen::Sparkify.generate(&data, 4000, 7).unwrap();
    let logs = json_files(&data.join("log_data"));
    let songs = json_files(&data.join("song_data"));
    let root = scratch("incremental_generated_runs");
    let (half, rest) = logs.split_at(logs.len() / 2);
    let runs = [
        day_dir(&root, "1-events", &data, half, &[]),
        day_dir(
            &root,
            "2-events-and-songs",
            &data,
            rest,
            &songs[..songs.len() / 2],
        ),
        day_dir(&root, "3-songs", &data, &[], &songs[songs.len() / 2..]),
    ];
    let (mut split, _) = fresh_warehouse("incremental_late_split").await;
    let mut matched = Vec::new();
    for dir in &runs {
        run(&mut split, dir, false).await.unwrap();
        matched.push(matched_plays(&split).await);
    }
    let (mut once, _) = fresh_warehouse("incremental_late_once").await;
    run(&mut once, &data, false).await.unwrap();
    let all = matched_plays(&once).await;
    assert!(all > 0);
    assert_eq!(matched[0], 0, "no song is known after the first run");
    assert!(
        matched[1] < all && all == matched[2],
        "{matched:?} of {all}"
    );
    assert_eq!(
        star_tables(&split, &sparkify::schema()).await,
        star_tables(&once, &sparkify::schema()).await
    );
}

/// Rows deleted behind dwh's back make the kept count wrong: the next
/// run's checks say so, naming the table, and a run after its kept count
/// is forgotten counts the table again.
#[tokio::test]
async fn a_table_changed_behind_dwhs_back_fails_the_kept_count_check() {
    let data = scratch("incremental_kept_count_data");
    sparkify::gen::Sparkify.generate(&data, 2000, 11).unwrap();
    let logs = json_files(&data.join("log_data"));
    let songs = json_files(&data.join("song_data"));
    let root = scratch("incremental_kept_count_runs");
    let (first, second) = logs.split_at(logs.len() / 2);
    let day_one = day_dir(&root, "1", &data, first, &songs);
    let day_two = day_dir(&root, "2", &data, second, &songs);
    let (mut warehouse, _) = fresh_warehouse("incremental_kept_count").await;
    run(&mut warehouse, &day_one, false).await.unwrap();
    let deleted = warehouse
        .client()
        .execute(
            "DELETE FROM songplays WHERE ctid IN (SELECT ctid FROM songplays LIMIT 3)",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(deleted, 3);
    let project = sparkify::project();
    let files = Files {
        sources: project_sources(&project, &day_two),
        ..Files::default()
    };
    let report = dwh_tests::run_files(&mut warehouse, &project, files, BatchPolicy::default())
        .await
        .unwrap();
    let failed: Vec<_> = report.checks.iter().filter(|c| !c.passed).collect();
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0].table, "songplays");
    assert!(failed[0].check.contains("dwh_row_counts"), "{failed:?}");
    assert_eq!(failed[0].failures, 3, "{failed:?}");
    warehouse
        .client()
        .batch_execute("DELETE FROM dwh_row_counts WHERE table_name = 'songplays'")
        .await
        .unwrap();
    let again = day_dir(&root, "3", &data, &logs, &songs);
    run(&mut warehouse, &again, false).await.unwrap();
}

/// The checks create nothing: they run on a read-only connection, and on a
/// warehouse an older release built, without `dwh_row_counts`, they leave
/// the kept-count comparisons out instead of failing.
#[tokio::test]
async fn checks_run_read_only_and_without_kept_counts() {
    let data = scratch("incremental_read_only_data");
    sparkify::gen::Sparkify.generate(&data, 500, 12).unwrap();
    let logs = json_files(&data.join("log_data"));
    let songs = json_files(&data.join("song_data"));
    let dir = day_dir(
        &scratch("incremental_read_only_runs"),
        "1",
        &data,
        &logs,
        &songs,
    );
    let (mut warehouse, _) = fresh_warehouse("incremental_read_only").await;
    run(&mut warehouse, &dir, false).await.unwrap();
    let read_only = |on: &str| format!("SET default_transaction_read_only = {on}");
    let client = warehouse.client();
    client.batch_execute(&read_only("on")).await.unwrap();
    let queries = sparkify::project().check_queries(5);
    let kept = |results: &[CheckResult]| {
        results
            .iter()
            .filter(|c| c.check.contains("dwh_row_counts"))
            .count()
    };
    let with = pipeline::check(&warehouse, &queries, Scope::Whole, &mut ())
        .await
        .unwrap();
    assert!(with.iter().all(|c| c.passed), "{with:#?}");
    assert_eq!(kept(&with), 5, "one per star table: {with:#?}");

    for sql in [
        &read_only("off"),
        "DROP TABLE dwh_row_counts",
        &read_only("on"),
    ] {
        client.batch_execute(sql).await.unwrap();
    }
    let without = pipeline::check(&warehouse, &queries, Scope::Whole, &mut ())
        .await
        .unwrap();
    assert!(without.iter().all(|c| c.passed), "{without:#?}");
    assert_eq!(kept(&without), 0, "{without:#?}");
    assert_eq!(without.len(), with.len() - 5);
}

async fn matched_plays(warehouse: &Warehouse) -> i64 {
    let sql = "SELECT COUNT(*) FROM songplays WHERE song_id IS NOT NULL";
    warehouse.client().query_one(sql, &[]).await.unwrap().get(0)
}

/// A file whose content changed since it was loaded stops the run, named,
/// with nothing changed; `--full-refresh` rebuilds the tables of a fresh
/// load of the changed data.
#[tokio::test]
async fn a_changed_file_is_refused_and_a_full_refresh_rebuilds_from_it() {
    dwh_tests::require_sample!();
    let data = sample_data();
    let root = scratch("incremental_changed");
    let logs = json_files(&data.join("log_data"));
    let songs = json_files(&data.join("song_data"));
    let dir = day_dir(&root, "data", &data, &logs[..2], &songs);
    let (mut warehouse, _) = fresh_warehouse("incremental_changed").await;
    run(&mut warehouse, &dir, false).await.unwrap();
    let before = star_tables(&warehouse, &sparkify::schema()).await;

    // The first day's file loses its last line.
    let day = dir
        .join("log_data")
        .join(logs[0].strip_prefix(data.join("log_data")).unwrap());
    let text = std::fs::read_to_string(&day).unwrap();
    let kept: Vec<&str> = text.lines().collect();
    std::fs::remove_file(&day).unwrap();
    std::fs::write(&day, kept[..kept.len() - 1].join("\n")).unwrap();

    let error = run(&mut warehouse, &dir, false).await.unwrap_err();
    let message = error.to_string();
    assert!(
        matches!(
            error,
            RunError::Warehouse(WarehouseError::ChangedFiles { .. })
        ),
        "{message}"
    );
    assert!(message.contains(&day.display().to_string()), "{message}");
    assert!(message.contains("--full-refresh"), "{message}");
    assert_eq!(star_tables(&warehouse, &sparkify::schema()).await, before);

    run(&mut warehouse, &dir, true).await.unwrap();
    let (mut fresh, _) = fresh_warehouse("incremental_changed_fresh").await;
    run(&mut fresh, &dir, false).await.unwrap();
    let rebuilt = star_tables(&warehouse, &sparkify::schema()).await;
    assert_eq!(rebuilt, star_tables(&fresh, &sparkify::schema()).await);
    assert_ne!(rebuilt, before);
}

/// The Redshift dimension load, run on the local engine up to its MERGE:
/// the staged new rows (`__dwh_new_artists`) keep exactly the rows the
/// PostgreSQL path's `WHEN MATCHED AND (… IS DISTINCT FROM …)` would
/// write, new keys included, so the MERGE rewrites no unchanged row.
#[tokio::test]
async fn redshift_merge_source_keeps_only_changed_rows() {
    dwh_tests::require_sample!();
    let (mut warehouse, _) = fresh_warehouse("incremental_redshift_merge_source").await;
    dwh_tests::build_sparkify(&mut warehouse, &sample_data()).await;
    let client = warehouse.client();
    // Stored rows that now differ from staging: a trailing blank, a value
    // made NULL, a row gone (a new key); the rest are unchanged.
    let perturb = "UPDATE artists SET name = name || ' ' WHERE artist_id IN (SELECT artist_id FROM artists ORDER BY artist_id LIMIT 3);
         UPDATE artists SET location = NULL WHERE artist_id IN (SELECT artist_id FROM artists WHERE location IS NOT NULL ORDER BY artist_id DESC LIMIT 4);
         DELETE FROM artists WHERE artist_id IN (SELECT artist_id FROM artists ORDER BY artist_id LIMIT 2 OFFSET 10)";
    client.batch_execute(perturb).await.unwrap();
    let artists = sparkify::schema().table("artists").unwrap();
    let load = dwh_core::sql::load_statements(artists, dwh_core::sql::Dialect::Redshift).unwrap();
    let [drop, create, reduce, merge, _] = load.statements.as_slice() else {
        panic!("drop, create, reduce, merge, drop: {:#?}", load.statements);
    };
    assert!(merge.starts_with("MERGE INTO"), "{merge}");
    client
        .batch_execute(&format!("{drop}; {create}"))
        .await
        .unwrap();
    // Independently of the code under test: the keys PostgreSQL's MERGE
    // would insert or update.
    let columns: Vec<String> = artists
        .loaded_columns()
        .filter(|c| !artists.natural_key.contains(&c.name))
        .map(|c| format!("\"{}\"", c.name))
        .collect();
    let changed = format!(
        "SELECT n.artist_id FROM \"__dwh_new_artists\" AS n LEFT JOIN artists AS t USING (artist_id) \
         WHERE t.artist_id IS NULL OR ROW(t.{}) IS DISTINCT FROM ROW(n.{}) ORDER BY 1",
        columns.join(", t."),
        columns.join(", n.")
    );
    let rows = client.query(&changed, &[]).await.unwrap();
    let expected: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
    assert_eq!(expected.len(), 3 + 4 + 2, "{expected:?}");
    client.batch_execute(reduce).await.unwrap();
    let left = "SELECT artist_id FROM \"__dwh_new_artists\" ORDER BY 1";
    let rows = client.query(left, &[]).await.unwrap();
    let left: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
    assert_eq!(left, expected);
}
