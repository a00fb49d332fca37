//! De-duplication is deterministic and means on PostgreSQL what it means on
//! Redshift, against the real engine:
//! - the same records with conflicting duplicates, presented as files named,
//!   ordered and split differently, build byte-identical star tables (an md5
//!   of each table's sorted rows);
//! - natural keys that differ only by trailing blanks are one key, as
//!   Redshift compares VARCHAR;
//! - each key keeps the row the README's order picks, `latest_by` first.

use std::path::Path;

use dwh_core::schema::Table;
use dwh_core::{DimTable, FactTable, Project, Schema, StagingTable, Warehouse};
use dwh_tests::{build_sparkify, fresh_warehouse, scratch};
use serde_json::{json, Value};
use sparkify::{Artist, Song, SongPlay, StagingEvent, Time, User};

fn song(song_id: &str, title: &str, artist: (&str, &str, &str), year: i64) -> Value {
    let (artist_id, artist_name, location) = artist;
    json!({
        "num_songs": 1, "artist_id": artist_id, "artist_latitude": null,
        "artist_longitude": null, "artist_location": location,
        "artist_name": artist_name, "song_id": song_id, "title": title,
        "duration": 200.5, "year": year
    })
}

/// Songs with conflicting duplicates: one song id with two titles, one
/// artist id with two names and places, two songs the plays' lookup (title,
/// artist name, duration) finds both of, and keys with trailing blanks.
fn songs() -> Vec<Value> {
    vec![
        song("SOA", "Alpha", ("ARA", "Ann", "Oslo"), 2001),
        song("SOA", "Alpha (remaster)", ("ARA", "Ann B.", "Bergen"), 2011),
        song("SOB", "Beta", ("ARB", "Bo", "Rome"), 1999),
        song("SOB ", "Beta", ("ARB ", "Bob", "Rome"), 1998),
        song("SOC1", "Gamma", ("ARC", "Cid", "Lima"), 1990),
        song("SOC2", "Gamma", ("ARC", "Cid", "Lima"), 1991),
    ]
}

fn event(user: &str, ts: i64, level: &str, session: i64, page: &str, play: [&str; 2]) -> Value {
    let [song, artist] = play;
    json!({
        "artist": artist, "auth": "Logged In",
        "firstName": format!("N{session}"), "gender": "F", "itemInSession": 0,
        "lastName": "L", "length": 200.5, "level": level, "location": "Here",
        "method": "PUT", "page": page, "registration": 1540919166796.0_f64,
        "sessionId": session, "song": song, "status": 200, "ts": ts,
        "userAgent": "UA", "userId": user
    })
}

const ALPHA: [&str; 2] = ["Alpha", "Ann"];
const GAMMA: [&str; 2] = ["Gamma", "Cid"];
/// Only the song stored as `'SOB '` has this title and artist.
const BETA_BY_BOB: [&str; 2] = ["Beta", "Bob"];

/// Events with conflicting duplicates: one user twice at the same instant
/// with different levels, names and sessions (a tie on `latest_by` for
/// `users`, and one natural key twice for `songplays`).
fn events() -> Vec<Value> {
    vec![
        event("7", 1_541_000_000_000, "free", 1, "NextSong", ALPHA),
        event("7", 1_541_000_000_000, "paid", 2, "NextSong", ALPHA),
        event("8", 1_541_000_100_000, "free", 3, "NextSong", GAMMA),
        event("8", 1_541_000_200_000, "paid", 4, "NextSong", ALPHA),
        event("9", 1_541_000_300_000, "free", 5, "Home", ["", ""]),
        event("9", 1_541_000_300_000, "paid", 6, "Home", ["", ""]),
        event("10", 1_541_000_400_000, "free", 7, "NextSong", BETA_BY_BOB),
    ]
}

fn write_lines(path: &Path, values: &[Value]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let text: String = values.iter().map(|v| format!("{v}\n")).collect();
    std::fs::write(path, text).unwrap();
}

/// The same records, laid out as `layout` says, under a fresh directory.
fn lay_out(name: &str, layout: Layout) -> std::path::PathBuf {
    let dir = scratch(&format!("dedup_{name}"));
    for (sub, mut records) in [("song_data", songs()), ("log_data", events())] {
        let root = dir.join(sub);
        match layout {
            Layout::OneFile => write_lines(&root.join("all.json"), &records),
            Layout::FilePerRecordReversedNames => {
                let n = records.len();
                for (i, record) in records.iter().enumerate() {
                    let file = root.join(format!("r{:02}.json", n - i));
                    write_lines(&file, std::slice::from_ref(record));
                }
            }
            Layout::ReversedAndSplit => {
                records.reverse();
                let (first, second) = records.split_at(2);
                write_lines(&root.join("b/part.json"), first);
                write_lines(&root.join("a/part.json"), second);
            }
        }
    }
    dir
}

#[derive(Debug, Clone, Copy)]
enum Layout {
    OneFile,
    FilePerRecordReversedNames,
    ReversedAndSplit,
}

fn star_tables() -> [&'static Table; 5] {
    [
        &<User as DimTable>::TABLE,
        &<Song as DimTable>::TABLE,
        &<Artist as DimTable>::TABLE,
        &<Time as DimTable>::TABLE,
        &<SongPlay as FactTable>::TABLE,
    ]
}

/// A table's rows as text, sorted, and their md5. IDENTITY columns are left
/// out: Redshift documents their values as unique, not as consecutive or
/// in any order, so they are not part of what must be reproducible.
async fn fingerprint(warehouse: &Warehouse, table: &Table) -> (String, String) {
    let columns: Vec<String> = table
        .loaded_columns()
        .map(|c| format!("\"{}\"", c.name))
        .collect();
    let sql = format!(
        "SELECT coalesce(string_agg(r, E'\\n' ORDER BY r), ''), \
                md5(coalesce(string_agg(r, E'\\n' ORDER BY r), '')) \
         FROM (SELECT ROW({})::text AS r FROM \"{}\") AS rows",
        columns.join(", "),
        table.name
    );
    let row = warehouse.client().query_one(&sql, &[]).await.unwrap();
    (row.get(0), row.get(1))
}

async fn build(name: &str, layout: Layout) -> Warehouse {
    let dir = lay_out(name, layout);
    let (mut warehouse, _) = fresh_warehouse(&format!("dedup_{name}")).await;
    build_sparkify(&mut warehouse, &dir).await;
    warehouse
}

#[tokio::test]
async fn the_same_files_in_any_order_build_identical_tables() {
    let layouts = [
        ("one_file", Layout::OneFile),
        ("per_record", Layout::FilePerRecordReversedNames),
        ("reversed_split", Layout::ReversedAndSplit),
    ];
    let mut built = Vec::new();
    for (name, layout) in layouts {
        built.push((name, build(name, layout).await));
    }
    let mut mismatches = Vec::new();
    for table in star_tables() {
        let (reference, want) = fingerprint(&built[0].1, table).await;
        for (name, warehouse) in &built[1..] {
            let (rows, got) = fingerprint(warehouse, table).await;
            if got != want {
                mismatches.push(format!(
                    "{}: {} gave md5 {got}, {} gave {want}\n{rows}\n  vs\n{reference}",
                    table.name, name, built[0].0
                ));
            }
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n\n"));
}

async fn texts(warehouse: &Warehouse, sql: &str) -> Vec<String> {
    let rows = warehouse.client().query(sql, &[]).await.unwrap();
    rows.iter().map(|r| r.get::<_, String>(0)).collect()
}

#[tokio::test]
async fn keys_differing_by_trailing_blanks_are_one_key() {
    let warehouse = build("blanks", Layout::OneFile).await;
    assert_eq!(
        texts(&warehouse, "SELECT song_id FROM songs ORDER BY song_id").await,
        ["SOA", "SOB", "SOC1", "SOC2"]
    );
    assert_eq!(
        texts(
            &warehouse,
            "SELECT artist_id FROM artists ORDER BY artist_id"
        )
        .await,
        ["ARA", "ARB", "ARC"]
    );
    // A play's song, looked up as `'SOB '` would be, still matches its key.
    let orphans = "SELECT count(*)::text FROM songplays AS p \
                   WHERE p.song_id IS NOT NULL \
                   AND NOT EXISTS (SELECT 1 FROM songs AS s WHERE s.song_id = p.song_id)";
    assert_eq!(texts(&warehouse, orphans).await, ["0"]);
    // The checks compare keys as the loads store them: a source `'SOB '`
    // is the loaded `'SOB'`, not a source row left behind.
    dwh_tests::assert_sparkify_checks_pass(&warehouse).await;
}

/// Text of a JSON field, `None` for null or missing.
fn text(record: &Value, field: &str) -> Option<String> {
    record[field].as_str().map(str::to_owned)
}

/// Text without trailing blanks, as a key is stored.
fn key_text(record: &Value, field: &str) -> String {
    text(record, field)
        .unwrap_or_default()
        .trim_end()
        .to_owned()
}

/// Of one key's source records, the one the README's rule keeps: the
/// smallest by `order` (the greatest `latest_by` first when there is one,
/// then every other loaded column ascending), computed here in Rust.
fn kept<K: Ord, O: Ord>(
    records: &[Value],
    key: impl Fn(&Value) -> K,
    wanted: &K,
    order: impl Fn(&Value) -> O,
) -> Value {
    records
        .iter()
        .filter(|r| key(r) == *wanted)
        .min_by_key(|r| order(r))
        .cloned()
        .expect("the key is in the sample records")
}

/// The song records' order for `songs`: title, artist id, artist name,
/// year (0 is NULL, last), duration, ascending.
fn song_order(r: &Value) -> (String, String, Option<String>, (bool, i64), u64) {
    let year = r["year"].as_i64().filter(|y| *y != 0);
    (
        text(r, "title").unwrap_or_default(),
        key_text(r, "artist_id"),
        text(r, "artist_name"),
        (year.is_none(), year.unwrap_or_default()),
        r["duration"].as_f64().unwrap().to_bits(),
    )
}

/// `columns` of the rows of `from` matching `filter`, each row as its
/// values joined by `|`.
async fn row_text(warehouse: &Warehouse, columns: &str, from: &str) -> Vec<String> {
    let sql = format!("SELECT concat_ws('|', {columns}) FROM {from}");
    texts(warehouse, &sql).await
}

/// Which row each key keeps follows the README's rules ("The same input
/// gives the same tables"), the expected rows derived from the raw records
/// here, not by dwh's SQL; and no star table is empty.
#[tokio::test]
async fn each_key_keeps_the_row_the_documented_order_picks() {
    let warehouse = build("kept_rows", Layout::ReversedAndSplit).await;
    for table in star_tables() {
        let count = format!("SELECT CAST(COUNT(*) AS TEXT) FROM \"{}\"", table.name);
        let n = texts(&warehouse, &count).await;
        assert_ne!(n, ["0"], "{} is empty", table.name);
    }
    let (songs, events) = (songs(), events());
    let field = |r: &Value, f: &str| text(r, f).unwrap_or_else(|| r[f].to_string());
    let fields = |r: &Value, fs: &[&str]| fs.iter().map(|f| field(r, f)).collect::<Vec<_>>();

    // songs: no latest_by; of `SOA`'s two records the smaller title wins.
    let soa = kept(
        &songs,
        |r| key_text(r, "song_id"),
        &"SOA".to_owned(),
        song_order,
    );
    let got = row_text(
        &warehouse,
        "title, artist_name, year",
        "songs WHERE song_id = 'SOA'",
    );
    let want = fields(&soa, &["title", "artist_name", "year"]).join("|");
    assert_eq!(got.await, [want]);

    // artists: `ARB` and `ARB ` are one key; the smaller name wins.
    for id in ["ARA", "ARB"] {
        let order = |r: &Value| (text(r, "artist_name"), text(r, "artist_location"));
        let artist = kept(&songs, |r| key_text(r, "artist_id"), &id.to_owned(), order);
        let from = format!("artists WHERE artist_id = '{id}'");
        let got = row_text(&warehouse, "name, location", &from).await;
        let want = fields(&artist, &["artist_name", "artist_location"]).join("|");
        assert_eq!(got, [want], "artist {id}");
    }

    // songplays: user 7 plays `Alpha` twice at one instant (one key); no
    // latest_by, so the smaller level, then session, wins.
    let play_order = |r: &Value| (text(r, "level"), r["sessionId"].as_i64());
    let user_7 = Some("7".to_owned());
    let play = kept(&events, |r| text(r, "userId"), &user_7, play_order);
    let got = row_text(
        &warehouse,
        "level, session_id",
        "songplays WHERE user_id = 7",
    );
    assert_eq!(
        got.await,
        [fields(&play, &["level", "sessionId"]).join("|")]
    );

    // The lookup's pick: `Gamma` by `Cid` matches SOC1 and SOC2; the
    // smaller song id wins.
    let smallest = songs
        .iter()
        .filter(|s| text(s, "title").as_deref() == Some(GAMMA[0]))
        .filter(|s| text(s, "artist_name").as_deref() == Some(GAMMA[1]))
        .map(|s| key_text(s, "song_id"))
        .min()
        .unwrap();
    let sql = "SELECT song_id FROM songplays WHERE user_id = 8 AND song_id LIKE 'SOC%'";
    assert_eq!(texts(&warehouse, sql).await, [smallest]);

    // users: user 7's two events tie on ts (the greatest); its one version
    // has the row a type-1 load keeps: names, gender, level ascending.
    let order = |r: &Value| {
        let ts = r["ts"].as_i64().unwrap();
        let rest = fields(r, &["firstName", "lastName", "gender", "level"]);
        (std::cmp::Reverse(ts), rest)
    };
    let user = kept(&events, |r| text(r, "userId"), &user_7, order);
    let got = row_text(&warehouse, "first_name, level", "users WHERE user_id = 7");
    assert_eq!(
        got.await,
        [fields(&user, &["firstName", "level"]).join("|")]
    );
}

/// Each user's level as of the user's latest event: a type-1 dimension
/// with `latest_by` (Sparkify's `users`, type 2, picks its rows otherwise).
#[derive(Debug, Clone, DimTable)]
#[dwh(
    table = "user_levels",
    source = StagingEvent,
    filter = "src.user_id <> ''",
    latest_by = "src.ts"
)]
pub struct UserLevel {
    #[dwh(natural_key, expr = "CAST(NULLIF(src.user_id, '') AS INTEGER)")]
    pub user_id: i32,
    #[dwh(varchar = 8)]
    pub level: String,
}

/// A type-1 dimension with `latest_by` keeps each key's row of the greatest
/// `latest_by` (user 8: `free`, then `paid` a hundred seconds later), ties
/// broken by the other columns ascending; expected rows derived from the
/// raw records here.
#[tokio::test]
async fn a_type_1_dimension_keeps_the_row_of_the_latest_record() {
    let dir = lay_out("latest_by", Layout::ReversedAndSplit);
    let schema = Schema::new([
        &<StagingEvent as StagingTable>::TABLE,
        &<UserLevel as DimTable>::TABLE,
    ])
    .unwrap();
    let project = Project::new("levels", schema)
        .source::<StagingEvent>("log_data", "*.json")
        .build()
        .unwrap();
    let (mut warehouse, _) = fresh_warehouse("dedup_latest_by").await;
    dwh_tests::run_dir(&mut warehouse, &project, &dir, Default::default())
        .await
        .unwrap();

    let events = events();
    let order = |r: &Value| (std::cmp::Reverse(r["ts"].as_i64()), text(r, "level"));
    let want: Vec<String> = ["7", "8", "9", "10"]
        .map(|user| {
            let id = Some(user.to_owned());
            let row = kept(&events, |r| text(r, "userId"), &id, order);
            format!("{user}|{}", text(&row, "level").unwrap())
        })
        .into();
    let got = row_text(&warehouse, "user_id, level", "user_levels ORDER BY user_id").await;
    assert_eq!(got, want);
}
