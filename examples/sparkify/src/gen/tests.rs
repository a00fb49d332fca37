//! End-to-end checks: generate small data sets, parse them back with
//! serde_json and compare with the summary and the documented guarantees.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::Value;

use super::*;

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("dwh-gen-{}-{n}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn config(events: u64, songs: u64) -> GenConfig {
    GenConfig {
        events,
        songs,
        seed: 7,
        ..GenConfig::default()
    }
}

/// Files under `dir`, recursively, sorted by path (= by date for the logs).
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn read_tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let files = files_under(dir).into_iter();
    files
        .map(|p| {
            (
                p.strip_prefix(dir).unwrap().to_path_buf(),
                fs::read(&p).unwrap(),
            )
        })
        .collect()
}

/// The files parsed back.
struct Parsed {
    songs: Vec<Value>,
    /// Events in file order, with their file's name.
    events: Vec<(String, Value)>,
    song_files: u64,
    event_files: u64,
    bytes: u64,
    max_events_in_a_file: u64,
}

const EVENT_KEYS: [&str; 18] = [
    "artist",
    "auth",
    "firstName",
    "gender",
    "itemInSession",
    "lastName",
    "length",
    "level",
    "location",
    "method",
    "page",
    "registration",
    "sessionId",
    "song",
    "status",
    "ts",
    "userAgent",
    "userId",
];

fn parse(out: &Path) -> Parsed {
    let mut parsed = Parsed {
        songs: Vec::new(),
        events: Vec::new(),
        song_files: 0,
        event_files: 0,
        bytes: 0,
        max_events_in_a_file: 0,
    };
    for path in files_under(&out.join("song_data")) {
        let bytes = fs::read(&path).unwrap();
        parsed.bytes += bytes.len() as u64;
        parsed.song_files += 1;
        let objects = serde_json::Deserializer::from_slice(&bytes).into_iter::<Value>();
        parsed.songs.extend(objects.map(Result::unwrap));
    }
    for path in files_under(&out.join("log_data")) {
        let text = fs::read_to_string(&path).unwrap();
        parsed.bytes += text.len() as u64;
        parsed.event_files += 1;
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        let mut in_file = 0;
        for line in text.lines() {
            assert_keys_in_order(line);
            parsed
                .events
                .push((name.clone(), serde_json::from_str(line).unwrap()));
            in_file += 1;
        }
        parsed.max_events_in_a_file = parsed.max_events_in_a_file.max(in_file);
    }
    parsed
}

/// Keys appear as `"key":` only as keys: quotes inside values are escaped.
fn assert_keys_in_order(line: &str) {
    let mut from = 0;
    for key in EVENT_KEYS {
        let at = line[from..]
            .find(&format!("\"{key}\":"))
            .unwrap_or_else(|| panic!("{key} in {line}"));
        from += at + key.len();
    }
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_else(|| panic!("{key} of {v}"))
}

/// The summary equals what a reader of the files counts.
fn assert_summary_matches(summary: &GenSummary, p: &Parsed) {
    let song_ids: BTreeSet<_> = p.songs.iter().map(|s| str_of(s, "song_id")).collect();
    let artist_ids: BTreeSet<_> = p.songs.iter().map(|s| str_of(s, "artist_id")).collect();
    let catalogue: HashSet<(&str, &str, u64)> = p
        .songs
        .iter()
        .map(|s| {
            (
                str_of(s, "title"),
                str_of(s, "artist_name"),
                s["duration"].as_f64().unwrap().to_bits(),
            )
        })
        .collect();
    let plays: Vec<&Value> = p
        .events
        .iter()
        .map(|(_, e)| e)
        .filter(|e| e["page"] == "NextSong")
        .collect();
    let matched = plays
        .iter()
        .filter(|e| {
            let key = (
                str_of(e, "song"),
                str_of(e, "artist"),
                e["length"].as_f64().unwrap().to_bits(),
            );
            catalogue.contains(&key)
        })
        .count() as u64;
    let users: BTreeSet<_> = p
        .events
        .iter()
        .map(|(_, e)| str_of(e, "userId"))
        .filter(|u| !u.is_empty())
        .collect();
    let counted = GenSummary {
        events: p.events.len() as u64,
        next_song_events: plays.len() as u64,
        songs: p.songs.len() as u64,
        artists: artist_ids.len() as u64,
        users: users.len() as u64,
        matched_plays: matched,
        event_files: p.event_files,
        song_files: p.song_files,
        bytes: p.bytes,
    };
    assert_eq!(*summary, counted);
    assert_eq!(song_ids.len(), p.songs.len(), "song ids are unique");
    assert_eq!(
        catalogue.len(),
        p.songs.len(),
        "(title, artist, duration) identifies a song"
    );
}

/// Time order, distinct ts, files named after their events' dates.
fn assert_time_order(p: &Parsed) {
    let mut last = i64::MIN;
    let mut plays = HashSet::new();
    for (file, e) in &p.events {
        let ts = e["ts"].as_i64().unwrap();
        assert!(ts > last, "ts strictly increases: {last} then {ts}");
        last = ts;
        let date = chrono::DateTime::from_timestamp_millis(ts)
            .unwrap()
            .format("%Y-%m-%d");
        assert_eq!(*file, format!("{date}-events.json"));
        if e["page"] == "NextSong" {
            assert!(plays.insert((ts, str_of(e, "userId").to_owned())));
        }
    }
}

/// Null/non-null patterns per page and auth, and the level changes.
fn assert_event_shapes(p: &Parsed) {
    let mut levels: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (_, e) in &p.events {
        let song = e["page"] == "NextSong";
        for key in ["artist", "song", "length"] {
            assert_eq!(!e[key].is_null(), song, "{key} of {e}");
        }
        let logged_in = str_of(e, "auth") == "Logged In";
        assert!(logged_in || str_of(e, "auth") == "Logged Out");
        assert_eq!(str_of(e, "userId").is_empty(), !logged_in, "{e}");
        for key in [
            "firstName",
            "gender",
            "lastName",
            "location",
            "registration",
            "userAgent",
        ] {
            assert_eq!(!e[key].is_null(), logged_in, "{key} of {e}");
        }
        let level = str_of(e, "level");
        assert!(level == "free" || level == "paid");
        if logged_in {
            levels.entry(str_of(e, "userId")).or_default().push(level);
        }
    }
    let upgraded = levels
        .values()
        .filter(|l| l.windows(2).any(|w| w == ["free", "paid"]))
        .count();
    assert!(upgraded > 0, "some user upgrades free → paid");
}

/// Rough proportions of the sample, and escaping exercised.
fn assert_sample_like(p: &Parsed, match_rate: f64) {
    let n = p.events.len() as f64;
    let share =
        |pred: &dyn Fn(&Value) -> bool| p.events.iter().filter(|(_, e)| pred(e)).count() as f64 / n;
    let next_song = share(&|e| e["page"] == "NextSong");
    let logged_out = share(&|e| e["auth"] == "Logged Out");
    let upgrades = share(&|e| e["page"] == "Submit Upgrade");
    assert!(
        (0.80..0.90).contains(&next_song),
        "NextSong share {next_song}"
    );
    assert!(
        (0.02..0.05).contains(&logged_out),
        "logged-out share {logged_out}"
    );
    assert!(upgrades > 0.0);
    let plays = next_song * n;
    let songs: HashSet<_> = p
        .songs
        .iter()
        .map(|s| (str_of(s, "title"), str_of(s, "artist_name")))
        .collect();
    let matched = p
        .events
        .iter()
        .filter(|(_, e)| {
            e["page"] == "NextSong" && songs.contains(&(str_of(e, "song"), str_of(e, "artist")))
        })
        .count() as f64;
    assert!(
        (matched / plays - match_rate).abs() < 0.03,
        "match share {}",
        matched / plays
    );
    let all_strings = p
        .songs
        .iter()
        .chain(p.events.iter().map(|(_, e)| e))
        .flat_map(|v| v.as_object().unwrap().values().filter_map(Value::as_str));
    let mut needs_escape = BTreeSet::new();
    for s in all_strings {
        for c in s
            .chars()
            .filter(|&c| matches!(c, '"' | '\\' | '/') || !c.is_ascii())
        {
            needs_escape.insert(if c.is_ascii() { c } else { 'é' });
        }
    }
    assert_eq!(needs_escape, BTreeSet::from(['"', '/', '\\', 'é']));
    let no_year = p.songs.iter().filter(|s| s["year"] == 0).count();
    let no_coords = p
        .songs
        .iter()
        .filter(|s| s["artist_latitude"].is_null())
        .count();
    assert!(no_year > 0 && no_year < p.songs.len() && no_coords > 0 && no_coords < p.songs.len());
}

#[test]
fn same_config_same_bytes_and_summary_matches_files() {
    let config = config(20_000, 300);
    let (a, b) = (TempDir::new("a"), TempDir::new("b"));
    let summary = generate(&config, &a.0).unwrap();
    assert_eq!(generate(&config, &b.0).unwrap(), summary);
    let tree = read_tree(&a.0);
    assert!(tree == read_tree(&b.0), "same config, same bytes");

    let p = parse(&a.0);
    assert_summary_matches(&summary, &p);
    assert_time_order(&p);
    assert_event_shapes(&p);
    assert_sample_like(&p, config.match_rate);
    // One object per song file, shaped like the sample.
    assert_eq!(summary.song_files, 300);
    let (path, bytes) = tree
        .iter()
        .find(|(p, _)| p.starts_with("song_data"))
        .unwrap();
    assert!(
        bytes.starts_with(b"{\"num_songs\": 1, \"artist_id\": \"AR") && !bytes.ends_with(b"\n")
    );
    let track = path.file_stem().unwrap().to_str().unwrap();
    assert!(path.starts_with(format!(
        "song_data/{}/{}/{}",
        &track[2..3],
        &track[3..4],
        &track[4..5]
    )));
    assert!(summary.event_files >= 30 && summary.users > 100);
}

#[test]
fn another_seed_other_data() {
    let (a, b) = (TempDir::new("seed-a"), TempDir::new("seed-b"));
    generate(&config(500, 20), &a.0).unwrap();
    let other = GenConfig {
        seed: 8,
        ..config(500, 20)
    };
    generate(&other, &b.0).unwrap();
    assert!(read_tree(&a.0) != read_tree(&b.0));
}

/// Shrunk limits: JSON-lines song files and full days spilling over.
#[test]
fn file_limits_hold() {
    let limits = Limits {
        max_events_per_file: 250,
        events_per_day: 400,
        max_songs_one_per_file: 100,
        songs_per_file: 700,
    };
    // At least 30 days: 10,000 events make ~333 a day, more than 250.
    let config = config(10_000, 2_000);
    let out = TempDir::new("limits");
    let summary = generate_with(&config, &out.0, &limits).unwrap();
    let p = parse(&out.0);
    assert_summary_matches(&summary, &p);
    assert_time_order(&p);
    assert_eq!(summary.song_files, 3);
    assert!(out.0.join("song_data/songs-000002.json").is_file());
    assert_eq!(p.max_events_in_a_file, 250);
    assert!(summary.event_files >= 20);
}

#[test]
fn edge_configs() {
    let out = TempDir::new("edges");
    let all = GenConfig {
        match_rate: 1.0,
        ..config(2_000, 50)
    };
    let s = generate(&all, &out.0.join("all")).unwrap();
    assert_eq!(s.matched_plays, s.next_song_events);
    assert_summary_matches(&s, &parse(&out.0.join("all")));

    let none = GenConfig {
        songs: 0,
        ..config(2_000, 0)
    };
    let s = generate(&none, &out.0.join("none")).unwrap();
    assert_eq!(
        (s.songs, s.artists, s.song_files, s.matched_plays),
        (0, 0, 0, 0)
    );
    assert_summary_matches(&s, &parse(&out.0.join("none")));

    let empty = generate(&config(0, 0), &out.0.join("empty")).unwrap();
    assert_eq!(empty, GenSummary::default());

    let one_user = GenConfig {
        users: Some(1),
        ..config(1_000, 10)
    };
    let s = generate(&one_user, &out.0.join("one")).unwrap();
    assert_eq!(s.users, 1);
    assert_summary_matches(&s, &parse(&out.0.join("one")));
}

#[test]
fn rejects_bad_config() {
    let out = TempDir::new("bad");
    for bad in [
        GenConfig {
            match_rate: 1.5,
            ..config(10, 10)
        },
        GenConfig {
            match_rate: f64::NAN,
            ..config(10, 10)
        },
        GenConfig {
            users: Some(0),
            ..config(10, 10)
        },
        // Past the limits (an overflow, or files without end), refused
        // before anything is written.
        config(u64::MAX, 10),
        config(MAX_EVENTS + 1, 10),
        config(10, 1 << 32),
    ] {
        let err = generate(&bad, &out.0).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
        assert!(files_under(&out.0).is_empty(), "{bad:?} wrote files");
    }
}

/// Generation rate; run with
/// `cargo test -p dwh-core gen::tests::rate -- --ignored --nocapture`.
#[test]
#[ignore]
fn rate() {
    let events = std::env::var("DWH_GEN_EVENTS").map_or(2_000_000, |v| v.parse().unwrap());
    let out = TempDir::new("rate");
    let start = std::time::Instant::now();
    let s = generate(&config(events, 100_000), &out.0).unwrap();
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{} events, {} songs, {} MB in {secs:.2}s: {:.0} events/s, {:.0} MB/s",
        s.events,
        s.songs,
        s.bytes / 1_000_000,
        s.events as f64 / secs,
        s.bytes as f64 / 1e6 / secs
    );
}

/// Extra days follow the data set: one file each, later than all of it,
/// the data set's users under their names, new sessions, same bytes again.
#[test]
fn extra_days_follow_the_data_set() {
    let config = config(20_000, 300);
    let (set, days, again) = (
        TempDir::new("set"),
        TempDir::new("days"),
        TempDir::new("days-again"),
    );
    generate(&config, &set.0).unwrap();
    let data = parse(&set.0);
    let last_ts = data
        .events
        .iter()
        .map(|(_, e)| e["ts"].as_i64().unwrap())
        .max();
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    let mut max_session = 0;
    for (_, e) in &data.events {
        max_session = max_session.max(e["sessionId"].as_u64().unwrap());
        if let Some(first) = e["firstName"].as_str() {
            names.insert(str_of(e, "userId").to_owned(), first.to_owned());
        }
    }
    let mut previous = last_ts.unwrap();
    for extra in 1..=3 {
        let dir = days.0.join(extra.to_string());
        let summary = generate_extra_day(&config, extra, 5_000, &dir).unwrap();
        assert_eq!(
            generate_extra_day(&config, extra, 5_000, &again.0.join(extra.to_string())).unwrap(),
            summary
        );
        assert!(read_tree(&dir) == read_tree(&again.0.join(extra.to_string())));
        // A day brings no song files; `parse` reads both folders.
        fs::create_dir_all(dir.join("song_data")).unwrap();
        let day = parse(&dir);
        assert_eq!((summary.events, day.event_files), (5_000, 1));
        assert_eq!(day.events.len(), 5_000);
        assert_event_shapes(&day);
        assert_time_order(&day);
        let first_ts = day.events[0].1["ts"].as_i64().unwrap();
        assert!(
            first_ts > previous,
            "day {extra} starts after what came before"
        );
        previous = day.events.last().unwrap().1["ts"].as_i64().unwrap();
        let mut known = 0;
        for (_, e) in &day.events {
            assert!(e["sessionId"].as_u64().unwrap() > max_session);
            let user = str_of(e, "userId");
            if let (Some(first), Some(before)) = (e["firstName"].as_str(), names.get(user)) {
                assert_eq!(first, before, "user {user} keeps the name");
                known += 1;
            }
        }
        assert!(known > 4_000, "the day's users are the data set's: {known}");
    }
    assert!(read_tree(&days.0.join("1")) != read_tree(&days.0.join("2")));
    assert!(generate_extra_day(&config, 0, 10, &days.0).is_err());
}
