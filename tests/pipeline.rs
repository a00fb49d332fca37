//! The whole local pipeline against the real PostgreSQL engine, on the real
//! Sparkify sample and on generated data. Expected values are computed here
//! from the raw JSON files, independently of dwh.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::Path;

use dwh_core::load::LoadOptions;
use dwh_core::Warehouse;
use dwh_tests::{
    build_sparkify, fresh_warehouse, json_objects, sample_data, scratch, sparkify_sources,
};
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
    assert_eq!(results.len(), 18, "the Sparkify checks: {results:#?}");
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

    // A second run on the same data changes nothing.
    build_sparkify(&mut warehouse, &dir).await;
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
    assert_eq!(actual(&warehouse).await, expected(&sample));
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
    build_sparkify(&mut warehouse, &dir).await;
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

    let schema = dwh_example_custom_dimension::schema();
    let (mut warehouse, _) = fresh_warehouse("pipeline_custom_dimension").await;
    warehouse.create_tables(&schema).await.unwrap();
    warehouse
        .load_staging(&sparkify_sources(&dir), &LoadOptions::default(), &[])
        .await
        .unwrap();
    warehouse.transform(&schema).await.unwrap();
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
    use dwh_core::pipeline::{self, Files};
    use dwh_core::sql::{self, Dialect, Parts, StagingFrom};
    let (mut warehouse, _) = fresh_warehouse("pipeline_comments").await;
    let project = sparkify::project();
    let staging: Vec<_> = project
        .sources()
        .iter()
        .map(|s| (s.table, StagingFrom::AllFiles))
        .collect();
    let plan = sql::run_plan(project.schema(), Dialect::Postgres, &staging, Parts::ALL).unwrap();
    let files = Files {
        sources: dwh_tests::project_sources(&project, &dwh_tests::sample_data()),
        ..Files::default()
    };
    pipeline::execute(&mut warehouse, &plan, &files, &mut ())
        .await
        .unwrap();
    let declared = users_comment(&warehouse)
        .await
        .expect("created with its doc comment");
    assert!(declared.starts_with("App users"), "{declared}");
    warehouse
        .client()
        .batch_execute("COMMENT ON TABLE users IS 'set by hand'")
        .await
        .unwrap();
    pipeline::execute(&mut warehouse, &plan, &files, &mut ())
        .await
        .unwrap();
    assert_eq!(
        users_comment(&warehouse).await.as_deref(),
        Some("set by hand")
    );
}

async fn users_comment(warehouse: &Warehouse) -> Option<String> {
    let sql = "SELECT obj_description('users'::regclass, 'pg_class')";
    warehouse.client().query_one(sql, &[]).await.unwrap().get(0)
}

/// A re-run over the same data rewrites no dimension row: PostgreSQL's
/// MERGE updates a matched row only when a value changed (an update is a
/// new row version, so the old statement rewrote whole dimensions).
#[tokio::test]
async fn a_rerun_over_the_same_data_rewrites_no_dimension_row() {
    let (mut warehouse, _) = fresh_warehouse("pipeline_rerun_versions").await;
    let sample = dwh_tests::sample_data();
    build_sparkify(&mut warehouse, &sample).await;
    let dimensions = ["users", "songs", "artists", "time"];
    let mut before = Vec::new();
    for table in dimensions {
        before.push(row_versions(&warehouse, table).await);
    }
    build_sparkify(&mut warehouse, &sample).await;
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
