//! The whole local pipeline against the real PostgreSQL engine, on the real
//! Sparkify sample and on generated data. Expected values are computed here
//! from the raw JSON files, independently of dwh.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::Path;

use dwh_core::sql::Dialect;
use dwh_core::Warehouse;
use dwh_tests::{build_sparkify, fresh_warehouse, json_objects, sample_data, scratch};
use serde_json::Value;

/// What the star schema must hold, computed from the raw files.
#[derive(Debug, PartialEq)]
struct Expected {
    events: u64,
    songs_rows: u64,
    songplays: u64,
    matched_plays: u64,
    users: BTreeMap<i32, String>,
    songs: u64,
    artists: u64,
    times: u64,
}

fn expected(dir: &Path) -> Expected {
    let events = json_objects(&dir.join("log_data"));
    let songs = json_objects(&dir.join("song_data"));
    let plays: Vec<&Value> = events.iter().filter(|e| e["page"] == "NextSong").collect();
    let song_keys: HashSet<(String, String, u64)> = songs
        .iter()
        .map(|s| {
            (
                s["title"].as_str().unwrap().to_owned(),
                s["artist_name"].as_str().unwrap().to_owned(),
                s["duration"].as_f64().unwrap().to_bits(),
            )
        })
        .collect();
    let matched = plays
        .iter()
        .filter(|p| {
            let key = (
                p["song"].as_str().unwrap_or_default().to_owned(),
                p["artist"].as_str().unwrap_or_default().to_owned(),
                p["length"].as_f64().unwrap_or(f64::NAN).to_bits(),
            );
            song_keys.contains(&key)
        })
        .count();
    // The latest level of each user, by ts, over all of their events.
    let mut latest: BTreeMap<i32, (i64, String)> = BTreeMap::new();
    for e in &events {
        let Ok(user) = e["userId"].as_str().unwrap_or_default().parse::<i32>() else {
            continue;
        };
        let ts = e["ts"].as_i64().unwrap();
        let level = e["level"].as_str().unwrap().to_owned();
        let entry = latest.entry(user).or_insert((i64::MIN, String::new()));
        if ts > entry.0 {
            *entry = (ts, level);
        }
    }
    Expected {
        events: events.len() as u64,
        songs_rows: songs.len() as u64,
        songplays: plays.len() as u64,
        matched_plays: matched as u64,
        users: latest
            .into_iter()
            .map(|(u, (_, level))| (u, level))
            .collect(),
        songs: songs
            .iter()
            .map(|s| s["song_id"].as_str().unwrap())
            .collect::<BTreeSet<_>>()
            .len() as u64,
        artists: songs
            .iter()
            .map(|s| s["artist_id"].as_str().unwrap())
            .collect::<BTreeSet<_>>()
            .len() as u64,
        times: plays
            .iter()
            .map(|p| p["ts"].as_i64().unwrap())
            .collect::<BTreeSet<_>>()
            .len() as u64,
    }
}

async fn count(warehouse: &Warehouse, sql: &str) -> u64 {
    let row = warehouse.client().query_one(sql, &[]).await.unwrap();
    row.get::<_, i64>(0) as u64
}

/// What the warehouse holds, in the same shape as [`Expected`].
async fn actual(warehouse: &Warehouse) -> Expected {
    let users = warehouse
        .client()
        .query("SELECT user_id, level FROM users WHERE is_current", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get::<_, i32>(0), r.get::<_, String>(1)))
        .collect::<BTreeMap<_, _>>();
    Expected {
        events: count(warehouse, "SELECT COUNT(*) FROM staging_events").await,
        songs_rows: count(warehouse, "SELECT COUNT(*) FROM staging_songs").await,
        songplays: count(warehouse, "SELECT COUNT(*) FROM songplays").await,
        matched_plays: count(
            warehouse,
            "SELECT COUNT(*) FROM songplays WHERE song_id IS NOT NULL AND artist_id IS NOT NULL",
        )
        .await,
        users,
        songs: count(warehouse, "SELECT COUNT(*) FROM songs").await,
        artists: count(warehouse, "SELECT COUNT(*) FROM artists").await,
        times: count(warehouse, "SELECT COUNT(*) FROM \"time\"").await,
    }
}

async fn assert_checks_pass(warehouse: &Warehouse) {
    let results = dwh_tests::assert_sparkify_checks_pass(warehouse).await;
    // The exact list, and a planted fault for each kind, are in analysis.rs.
    assert_eq!(results.len(), 23, "the Sparkify checks: {results:#?}");
}

#[tokio::test]
async fn sample_data_builds_the_documented_star_schema() {
    dwh_tests::require_sample!();
    let dir = sample_data();
    let want = expected(&dir);
    // The facts PROVENANCE.md documents for this sample.
    assert_eq!(
        (
            want.events,
            want.songs_rows,
            want.songplays,
            want.matched_plays,
            want.songs,
            want.artists,
            want.times
        ),
        (8056, 71, 6820, 1, 71, 69, 6813)
    );

    let (mut warehouse, _) = fresh_warehouse("pipeline_sample").await;
    build_sparkify(&mut warehouse, &dir).await;
    assert_eq!(actual(&warehouse).await, want);
    assert_checks_pass(&warehouse).await;

    let matched = warehouse
        .client()
        .query_one(
            "SELECT song_id, artist_id, user_id FROM songplays WHERE song_id IS NOT NULL",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(matched.get::<_, String>(0), "SOZCTXZ12AB0182364");
    assert_eq!(matched.get::<_, String>(1), "AR5KOSW1187FB35FF4");
    assert_eq!(matched.get::<_, i32>(2), 15);

    // The same data again, as new files, changes nothing.
    build_sparkify(&mut warehouse, &dwh_tests::again(&dir, "pipeline_sample")).await;
    assert_eq!(actual(&warehouse).await, want);
}

#[tokio::test]
async fn new_data_adds_only_what_is_new() {
    dwh_tests::require_sample!();
    // First the first half of November, then the whole month.
    let sample = sample_data();
    let half = scratch("pipeline_half");
    let logs = half.join("log_data/2018/11");
    std::fs::create_dir_all(&logs).unwrap();
    for day in 1..=15 {
        let name = format!("2018-11-{day:02}-events.json");
        std::fs::copy(
            sample.join("log_data/2018/11").join(&name),
            logs.join(&name),
        )
        .unwrap();
    }
    std::os::unix::fs::symlink(sample.join("song_data"), half.join("song_data")).unwrap();

    let (mut warehouse, _) = fresh_warehouse("pipeline_incremental").await;
    build_sparkify(&mut warehouse, &half).await;
    let first = actual(&warehouse).await;
    assert_eq!(first.songplays, expected(&half).songplays);
    assert!(first.songplays < 6820);

    build_sparkify(&mut warehouse, &sample).await;
    let (after, whole) = (actual(&warehouse).await, expected(&sample));
    // Staging holds the second run's batch: the days the first lacked, and
    // no song (every song file was loaded by the first run).
    assert_eq!(after.events, whole.events - expected(&half).events);
    assert_eq!(after.songs_rows, 0);
    let star = Expected {
        events: whole.events,
        songs_rows: whole.songs_rows,
        ..after
    };
    assert_eq!(star, whole);
    assert_checks_pass(&warehouse).await;
}

#[tokio::test]
async fn generated_data_builds_a_consistent_star_schema() {
    let dir = scratch("pipeline_generated");
    let summary = sparkify::gen::generate(
        &sparkify::gen::GenConfig {
            events: 30_000,
            songs: 800,
            seed: 7,
            ..Default::default()
        },
        &dir,
    )
    .unwrap();
    let want = expected(&dir);
    assert_eq!(want.events, summary.events);
    assert_eq!(want.songplays, summary.next_song_events);
    assert_eq!(want.matched_plays, summary.matched_plays);
    assert!(want.matched_plays > 0);

    let (mut warehouse, _) = fresh_warehouse("pipeline_generated").await;
    build_sparkify(&mut warehouse, &dir).await;
    assert_eq!(actual(&warehouse).await, want);
    assert_checks_pass(&warehouse).await;
    build_sparkify(
        &mut warehouse,
        &dwh_tests::again(&dir, "pipeline_generated"),
    )
    .await;
    assert_eq!(actual(&warehouse).await, want);
}

#[tokio::test]
async fn a_user_defined_dimension_loads_beside_sparkify() {
    dwh_tests::require_sample!();
    let dir = sample_data();
    let locations: BTreeSet<String> = json_objects(&dir.join("log_data"))
        .iter()
        .filter(|e| e["page"] == "NextSong")
        .filter_map(|e| e["location"].as_str().map(str::to_owned))
        .collect();

    let project = dwh_example_custom_dimension::project();
    let (mut warehouse, _) = fresh_warehouse("pipeline_custom_dimension").await;
    dwh_tests::run_dir(&mut warehouse, &project, &dir, Default::default())
        .await
        .unwrap();
    let rows = warehouse
        .client()
        .query(
            "SELECT location, metro_area, states FROM locations ORDER BY location",
            &[],
        )
        .await
        .unwrap();
    let loaded: BTreeSet<String> = rows.iter().map(|r| r.get(0)).collect();
    assert_eq!(loaded, locations);
    let chicago = rows
        .iter()
        .find(|r| r.get::<_, String>(0) == "Chicago-Naperville-Elgin, IL-IN-WI")
        .expect("Chicago is in the sample");
    assert_eq!(chicago.get::<_, String>(1), "Chicago-Naperville-Elgin");
    assert_eq!(
        chicago.get::<_, Option<String>>(2).as_deref(),
        Some("IL-IN-WI")
    );
}

/// The run sets the doc comments of the tables it creates, and leaves those
/// of existing tables alone: COMMENT ON locks a table (waiting out an
/// autovacuum of the rows just loaded), and a drifted comment is
/// `dwh migrate`'s to set.
#[tokio::test]
async fn the_run_comments_the_tables_it_creates_only() {
    dwh_tests::require_sample!();
    let (mut warehouse, _) = fresh_warehouse("pipeline_comments").await;
    let sample = dwh_tests::sample_data();
    build_sparkify(&mut warehouse, &sample).await;
    let declared = users_comment(&warehouse)
        .await
        .expect("created with its doc comment");
    assert!(declared.starts_with("App users"), "{declared}");
    warehouse
        .client()
        .batch_execute("COMMENT ON TABLE users IS 'set by hand'")
        .await
        .unwrap();
    // Loads the same rows again, as new files: every step runs.
    build_sparkify(
        &mut warehouse,
        &dwh_tests::again(&sample, "pipeline_comments"),
    )
    .await;
    assert_eq!(
        users_comment(&warehouse).await.as_deref(),
        Some("set by hand")
    );
}

async fn users_comment(warehouse: &Warehouse) -> Option<String> {
    let sql = "SELECT obj_description('users'::regclass, 'pg_class')";
    warehouse.client().query_one(sql, &[]).await.unwrap().get(0)
}

/// The same data loaded again (as new files) rewrites no dimension row: PostgreSQL's
/// MERGE updates a matched row only when a value changed (an update is a
/// new row version, so the old statement rewrote whole dimensions).
#[tokio::test]
async fn a_rerun_over_the_same_data_rewrites_no_dimension_row() {
    dwh_tests::require_sample!();
    let (mut warehouse, _) = fresh_warehouse("pipeline_rerun_versions").await;
    let sample = dwh_tests::sample_data();
    build_sparkify(&mut warehouse, &sample).await;
    let dimensions = ["users", "songs", "artists", "time"];
    let mut before = Vec::new();
    for table in dimensions {
        before.push(row_versions(&warehouse, table).await);
    }
    let sample_again = dwh_tests::again(&sample, "pipeline_rerun_versions");
    build_sparkify(&mut warehouse, &sample_again).await;
    for (table, before) in dimensions.into_iter().zip(before) {
        assert_eq!(
            row_versions(&warehouse, table).await,
            before,
            "{table} rows were rewritten"
        );
    }
}

/// The transaction ids that wrote `table`'s row versions, sorted.
async fn row_versions(warehouse: &Warehouse, table: &str) -> Vec<String> {
    let sql = format!("SELECT xmin::text FROM \"{table}\" ORDER BY 1");
    let rows = warehouse.client().query(&sql, &[]).await.unwrap();
    rows.iter().map(|r| r.get(0)).collect()
}

/// One song file's object.
fn song_file(song_id: &str, title: &str, artist: (&str, &str), duration: f64) -> Value {
    let (artist_id, artist_name) = artist;
    serde_json::json!({
        "num_songs": 1, "artist_id": artist_id, "artist_latitude": null,
        "artist_longitude": null, "artist_location": null, "artist_name": artist_name,
        "song_id": song_id, "title": title, "duration": duration, "year": 2000
    })
}

/// One `NextSong` event of user 1 at second `second`.
fn play(second: i64, song: &str, artist: &str, length: f64) -> Value {
    serde_json::json!({
        "artist": artist, "auth": "Logged In", "firstName": "A", "gender": "F",
        "itemInSession": second, "lastName": "B", "length": length, "level": "free",
        "location": "Here", "method": "PUT", "page": "NextSong",
        "registration": 1540919166796.0_f64, "sessionId": 1, "song": song,
        "status": 200, "ts": 1_541_000_000_000_i64 + second * 1000,
        "userAgent": "UA", "userId": "1"
    })
}

/// Two song files of one artist id that spell its name differently, and
/// plays: one of the second file's song by that file's spelling (the one
/// `artists` does not keep: of equal keys the smaller name wins), one of
/// the first song with a trailing blank in its title (a match only without
/// trailing blanks), one of no song.
fn spelling_data(name: &str) -> std::path::PathBuf {
    let dir = scratch(name);
    let songs = [
        ("a.json", song_file("SOX", "Song X", ("ARX", "Zed"), 200.5)),
        (
            "b.json",
            song_file("SOY", "Song Y", ("ARX", "Zed & Co"), 180.25),
        ),
    ];
    for (file, song) in songs {
        std::fs::create_dir_all(dir.join("song_data")).unwrap();
        std::fs::write(dir.join("song_data").join(file), song.to_string()).unwrap();
    }
    let plays = [
        play(1, "Song Y", "Zed & Co", 180.25),
        play(2, "Song X ", "Zed", 200.5),
        play(3, "No Song", "Nobody", 1.0),
    ];
    let lines: String = plays.iter().map(|p| format!("{p}\n")).collect();
    std::fs::create_dir_all(dir.join("log_data")).unwrap();
    std::fs::write(dir.join("log_data/events.json"), lines).unwrap();
    dir
}

async fn spelling_warehouse(name: &str) -> Warehouse {
    let (mut warehouse, _) = fresh_warehouse(name).await;
    build_sparkify(&mut warehouse, &spelling_data(name)).await;
    warehouse
}

/// `(song_id, artist_id)` of each play, by its second.
async fn play_matches(warehouse: &Warehouse) -> Vec<(i64, Option<String>, Option<String>)> {
    let sql = "SELECT CAST(EXTRACT(EPOCH FROM start_time) AS BIGINT) - 1541000000, \
               song_id, artist_id FROM songplays ORDER BY start_time";
    let rows = warehouse.client().query(sql, &[]).await.unwrap();
    rows.iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect()
}

async fn failed_checks(warehouse: &Warehouse) -> Vec<(String, u64)> {
    let schema = sparkify::schema();
    let results = dwh_core::checks::run(warehouse.client(), &schema, Dialect::Postgres)
        .await
        .unwrap();
    results
        .into_iter()
        .filter(|c| !c.passed)
        .map(|c| (c.check, c.failures))
        .collect()
}

const NONE_FAILED: [(String, u64); 0] = [];

const LATE_MATCHES: &str = "no unmatched row has a match now (late arrivals filled in)";

/// A play that matches its song file exactly (title, artist name, duration)
/// matches, although `artists` kept the other spelling of that artist.
#[tokio::test]
async fn a_play_matches_its_song_files_spelling_of_the_artist() {
    let warehouse = spelling_warehouse("pipeline_artist_spelling").await;
    let kept = "SELECT name FROM artists WHERE artist_id = 'ARX'";
    let names: Vec<String> = (warehouse.client().query(kept, &[]).await.unwrap())
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(names, ["Zed"], "artists keeps the other spelling");
    let arx = || Some("ARX".to_owned());
    assert_eq!(
        play_matches(&warehouse).await,
        [
            (1, Some("SOY".to_owned()), arx()),
            (2, Some("SOX".to_owned()), arx()),
            (3, None, None)
        ]
    );
    assert_eq!(failed_checks(&warehouse).await, NONE_FAILED);
}

/// The late-arrival check reads every looked-up column: an unmatched row
/// that matches now, whose fact row got its song but not its artist, fails
/// it.
#[tokio::test]
async fn the_late_arrival_check_reads_every_looked_up_column() {
    let warehouse = spelling_warehouse("pipeline_late_every_column").await;
    assert_eq!(failed_checks(&warehouse).await, NONE_FAILED);
    warehouse
        .client()
        .batch_execute(
            "INSERT INTO dwh_unmatched_songplays SELECT * FROM staging_events WHERE song = 'Song Y'; \
             UPDATE songplays SET artist_id = NULL WHERE song_id = 'SOY'",
        )
        .await
        .unwrap();
    assert_eq!(
        failed_checks(&warehouse).await,
        [(LATE_MATCHES.to_owned(), 1)]
    );
}

/// A fault planted in the loader's lookup rendering (a source title's
/// trailing blank kept, so `'Song X '` misses `'Song X'`) makes the load
/// miss a match; the late-arrival check, which renders its lookups itself,
/// still finds it.
#[tokio::test]
async fn a_lookup_fault_in_the_loader_does_not_hide_from_the_checks() {
    use dwh_core::sql::planted_fault::set_lookup_keeps_source_blanks;
    struct Planted;
    impl Drop for Planted {
        fn drop(&mut self) {
            set_lookup_keeps_source_blanks(false);
        }
    }
    set_lookup_keeps_source_blanks(true);
    let _planted = Planted;
    let warehouse = spelling_warehouse("pipeline_planted_lookup_fault").await;
    let missed = play_matches(&warehouse).await;
    assert_eq!(
        missed[1],
        (2, None, None),
        "the planted fault misses the match"
    );
    assert_eq!(
        failed_checks(&warehouse).await,
        [(LATE_MATCHES.to_owned(), 1)]
    );
}

/// A tap on a device: events with no natural key, identical rows included.
#[derive(Debug, Clone, dwh_core::StagingTable)]
#[dwh(table = "staging_taps")]
pub struct StagingTap {
    #[dwh(varchar = 16)]
    pub device: Option<String>,
    pub n: Option<i32>,
}

/// The taps, keyless: two identical source rows are two fact rows.
#[derive(Debug, Clone, dwh_core::FactTable)]
#[dwh(table = "taps", source = StagingTap, keyless)]
pub struct Tap {
    #[dwh(varchar = 16)]
    pub device: String,
    pub n: i32,
}

fn taps_project() -> dwh_core::Project {
    use dwh_core::{FactTable, StagingTable};
    let schema = dwh_core::Schema::new([
        &<StagingTap as StagingTable>::TABLE,
        &<Tap as FactTable>::TABLE,
    ])
    .unwrap();
    dwh_core::Project::new("taps", schema)
        .source::<StagingTap>("taps", "*.json")
        .build()
        .unwrap()
}

/// A folder of one taps file: three identical rows and one other.
fn taps_dir(name: &str) -> std::path::PathBuf {
    let dir = scratch(name);
    std::fs::create_dir_all(dir.join("taps")).unwrap();
    let line =
        |device: &str, n: i32| format!("{}\n", serde_json::json!({"device": device, "n": n}));
    let lines = [line("d1", 1), line("d1", 1), line("d1", 1), line("d2", 2)].concat();
    std::fs::write(dir.join("taps/t.json"), lines).unwrap();
    dir
}

/// The parts of a run over `dir`, planned against the ledger and executed
/// as `dwh all`, `dwh load` or `dwh transform` would; `planted` is put
/// before the COMMIT. The run's error, if any.
async fn run_taps(
    warehouse: &mut Warehouse,
    project: &dwh_core::Project,
    dir: &Path,
    parts: dwh_core::sql::Parts,
    planted: Option<&str>,
) -> Result<(), dwh_core::run::RunError> {
    use dwh_core::pipeline::Files;
    use dwh_core::sql::run::{Action, RunStatement, Step};
    let files = Files {
        sources: dwh_tests::project_sources(project, dir),
        ..Files::default()
    };
    let plant = move |mut plan: dwh_core::sql::RunPlan, _: &[_]| {
        if let Some(sql) = planted {
            let commit = plan.transaction.len() - 1;
            let statement = RunStatement {
                step: Step::Commit,
                action: Action::Execute,
                label: "planted failure".into(),
                sql: sql.into(),
            };
            plan.transaction.insert(commit, statement);
        }
        plan
    };
    let mut report = dwh_core::report::RunReport::default();
    dwh_core::run::Run::new(project, warehouse)
        .part(parts)
        .files(files)
        .amend_plan(Box::new(plant))
        .execute(&mut report, &mut ())
        .await?;
    Ok(())
}

async fn taps(warehouse: &Warehouse) -> i64 {
    let sql = "SELECT COUNT(*) FROM taps";
    warehouse.client().query_one(sql, &[]).await.unwrap().get(0)
}

/// The README's promise for a keyless fact: a run that fails after the
/// fact's INSERT adds nothing, and `dwh load` then `dwh transform` twice
/// appends the batch once (the ledger marks it transformed), as does a
/// re-run of `dwh all`.
#[tokio::test]
async fn a_failed_run_or_a_second_transform_adds_nothing_to_a_keyless_fact() {
    use dwh_core::sql::Parts;
    let project = taps_project();
    let dir = taps_dir("pipeline_keyless_twice");
    let (mut warehouse, _) = fresh_warehouse("pipeline_keyless_twice").await;
    let create = Parts {
        create: true,
        ..Parts::NONE
    };
    run_taps(&mut warehouse, &project, &dir, create, None)
        .await
        .unwrap();
    let failing = run_taps(
        &mut warehouse,
        &project,
        &dir,
        Parts::ALL,
        Some("SELECT 1/0"),
    );
    assert!(
        failing.await.is_err(),
        "the planted statement fails the run"
    );
    assert_eq!(taps(&warehouse).await, 0, "a failed run adds nothing");

    let load = Parts {
        staging: true,
        ..Parts::NONE
    };
    let transform = Parts {
        star: true,
        ..Parts::NONE
    };
    run_taps(&mut warehouse, &project, &dir, load, None)
        .await
        .unwrap();
    run_taps(&mut warehouse, &project, &dir, transform, None)
        .await
        .unwrap();
    assert_eq!(taps(&warehouse).await, 4, "every row, identical ones too");
    run_taps(&mut warehouse, &project, &dir, transform, None)
        .await
        .unwrap();
    assert_eq!(taps(&warehouse).await, 4, "a second transform adds nothing");
    run_taps(&mut warehouse, &project, &dir, Parts::ALL, None)
        .await
        .unwrap();
    assert_eq!(taps(&warehouse).await, 4, "a re-run adds nothing");
}

/// The keyless check counts copies: with two identical staging rows and
/// one of them deleted from the fact, it fails with 1.
#[tokio::test]
async fn the_keyless_check_counts_identical_rows() {
    let project = taps_project();
    let dir = taps_dir("pipeline_keyless_copies");
    let (mut warehouse, _) = fresh_warehouse("pipeline_keyless_copies").await;
    dwh_tests::run_dir(&mut warehouse, &project, &dir, Default::default())
        .await
        .unwrap();
    let keyless = |results: Vec<dwh_core::checks::CheckResult>| {
        let check = "every staging_taps row of the batch is loaded (keyless)";
        let found = results.into_iter().find(|c| c.check == check).unwrap();
        (found.passed, found.failures)
    };
    let queries = project.check_queries(5);
    let checks = || dwh_core::checks::run_queries(warehouse.client(), &queries, Dialect::Postgres);
    assert_eq!(keyless(checks().await.unwrap()), (true, 0));
    // One of the three identical rows goes missing, then a second.
    let delete_one =
        "DELETE FROM taps WHERE ctid IN (SELECT ctid FROM taps WHERE device = 'd1' LIMIT 1)";
    warehouse.client().batch_execute(delete_one).await.unwrap();
    assert_eq!(keyless(checks().await.unwrap()), (false, 1));
    warehouse.client().batch_execute(delete_one).await.unwrap();
    assert_eq!(keyless(checks().await.unwrap()), (false, 2));
}
