//! Charts of the built-in analyses, drawn from the real sample warehouse:
//! the files are well-formed SVG with one bar per bucket that has plays,
//! bar lengths and labels matching counts computed here from the raw JSON.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use chrono::{DateTime, Datelike, Timelike};
use dwh_tests::{json_objects, sample_data, sample_warehouse, scratch};
use serde_json::Value;
use sparkify::analysis::{charts, Analysis};

/// What the charts must show, computed from the raw files.
struct Expected {
    by_hour: BTreeMap<u32, i64>,
    by_weekday: BTreeMap<u32, i64>,
    by_level: BTreeMap<String, i64>,
    /// ("title — artist", plays), most played first.
    top_songs: Vec<(String, i64)>,
}

fn expected(dir: &Path) -> Expected {
    let plays: Vec<Value> = json_objects(&dir.join("log_data"))
        .into_iter()
        .filter(|e| e["page"] == "NextSong")
        .collect();
    // A play finds its song by title, artist name and duration.
    let songs: HashSet<(String, String, u64)> = json_objects(&dir.join("song_data"))
        .iter()
        .map(|s| {
            (
                s["title"].as_str().unwrap().to_owned(),
                s["artist_name"].as_str().unwrap().to_owned(),
                s["duration"].as_f64().unwrap().to_bits(),
            )
        })
        .collect();
    let mut out = Expected {
        by_hour: BTreeMap::new(),
        by_weekday: BTreeMap::new(),
        by_level: BTreeMap::new(),
        top_songs: Vec::new(),
    };
    let mut per_song: BTreeMap<String, i64> = BTreeMap::new();
    for p in &plays {
        let ts = DateTime::from_timestamp_millis(p["ts"].as_i64().unwrap()).unwrap();
        *out.by_hour.entry(ts.hour()).or_default() += 1;
        *out.by_weekday
            .entry(ts.weekday().num_days_from_sunday())
            .or_default() += 1;
        *out.by_level
            .entry(p["level"].as_str().unwrap().to_owned())
            .or_default() += 1;
        let (title, artist) = (p["song"].as_str().unwrap(), p["artist"].as_str().unwrap());
        let key = (
            title.to_owned(),
            artist.to_owned(),
            p["length"].as_f64().unwrap().to_bits(),
        );
        if songs.contains(&key) {
            *per_song.entry(format!("{title} — {artist}")).or_default() += 1;
        }
    }
    out.top_songs = per_song.into_iter().collect();
    out.top_songs
        .sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    out.top_songs.truncate(5);
    out
}

/// A parsed chart: its texts with their anchor (x, y), and its bars
/// (x, y, width, height), the white background left out.
struct Svg {
    texts: Vec<(String, f64, f64)>,
    bars: Vec<[f64; 4]>,
}

impl Svg {
    fn has(&self, text: &str) -> bool {
        self.texts.iter().any(|t| t.0 == text)
    }
}

fn parse(path: &Path) -> Svg {
    let text = std::fs::read_to_string(path).unwrap();
    let doc = roxmltree::Document::parse(&text)
        .unwrap_or_else(|e| panic!("{} is not well-formed: {e}", path.display()));
    let root = doc.root_element();
    assert!(root.has_tag_name("svg"), "{}", path.display());
    let num = |n: &roxmltree::Node, a: &str| n.attribute(a).unwrap().parse::<f64>().unwrap();
    let (width, height) = (num(&root, "width"), num(&root, "height"));
    let texts = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| {
            let text = n.text().unwrap_or_default().trim().to_owned();
            (text, num(&n, "x"), num(&n, "y"))
        })
        .collect();
    let bars = doc
        .descendants()
        .filter(|n| n.has_tag_name("rect"))
        .map(|n| {
            [
                num(&n, "x"),
                num(&n, "y"),
                num(&n, "width"),
                num(&n, "height"),
            ]
        })
        .filter(|r| !(r[2] == width && r[3] == height))
        .collect();
    Svg { texts, bars }
}

/// One bar per `(category label, value)`, placed at its label (below a
/// vertical bar, beside a horizontal one), with a length proportional to
/// its value (a pixel of rounding allowed).
fn assert_bars(svg: &Svg, expected: &[(String, i64)], vertical: bool, chart: &str) {
    assert_eq!(svg.bars.len(), expected.len(), "{chart}: one bar per value");
    let (max_value, max_length) = (
        expected.iter().map(|e| e.1).max().unwrap() as f64,
        svg.bars
            .iter()
            .map(|b| if vertical { b[3] } else { b[2] })
            .fold(0.0, f64::max),
    );
    for (label, value) in expected {
        // The axis label: lowest on a vertical chart (a value label may
        // read the same), leftmost on a horizontal one.
        let at = svg
            .texts
            .iter()
            .filter(|t| &t.0 == label)
            .max_by(|a, b| {
                if vertical {
                    a.2.total_cmp(&b.2)
                } else {
                    b.1.total_cmp(&a.1)
                }
            })
            .unwrap_or_else(|| panic!("{chart}: no label {label}"));
        let bar = svg
            .bars
            .iter()
            .find(|b| {
                let (centre, anchor) = if vertical {
                    (b[0] + b[2] / 2.0, at.1)
                } else {
                    (b[1] + b[3] / 2.0, at.2)
                };
                (centre - anchor).abs() <= 2.0
            })
            .unwrap_or_else(|| panic!("{chart}: no bar at label {label} {at:?}: {:?}", svg.bars));
        let length = if vertical { bar[3] } else { bar[2] };
        let want = *value as f64 / max_value * max_length;
        assert!(
            (length - want).abs() <= 1.5,
            "{chart}: bar {bar:?} of {label} for {value}, want length {want:.1}"
        );
        assert!(
            svg.has(&thousands(*value)),
            "{chart}: value {value} printed"
        );
    }
}

fn thousands(n: i64) -> String {
    charts::thousands(n)
}

#[tokio::test]
async fn charts_of_the_sample_show_its_counts() {
    dwh_tests::require_sample!();
    let expected = expected(&sample_data());
    let warehouse = sample_warehouse("charts").await;
    let analysis = Analysis::run(&warehouse, dwh_core::sql::Limit::new(5).unwrap())
        .await
        .unwrap();

    let dir = scratch("charts");
    let files = charts::write(&analysis, &dir).unwrap();
    let names: Vec<String> = files
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "plays-by-hour.svg",
            "plays-by-weekday.svg",
            "plays-by-level.svg",
            "top-songs.svg"
        ]
    );

    let hours = parse(&dir.join("plays-by-hour.svg"));
    let total: i64 = expected.by_hour.values().sum();
    assert!(hours.has(&format!(
        "Plays by hour of day ({} plays)",
        thousands(total)
    )));
    for label in ["hour of day (UTC)", "plays"] {
        assert!(hours.has(label), "axis label {label}");
    }
    for h in 0..24 {
        assert!(hours.has(&format!("{h:02}")), "hour {h} labelled");
    }
    let by_hour: Vec<(String, i64)> = expected
        .by_hour
        .iter()
        .map(|(h, n)| (format!("{h:02}"), *n))
        .collect();
    assert_bars(&hours, &by_hour, true, "hours");

    let weekdays = parse(&dir.join("plays-by-weekday.svg"));
    const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    assert!(DAYS.iter().all(|d| weekdays.has(d)));
    let by_weekday: Vec<(String, i64)> = expected
        .by_weekday
        .iter()
        .map(|(d, n)| (DAYS[*d as usize].to_owned(), *n))
        .collect();
    assert_bars(&weekdays, &by_weekday, true, "weekdays");

    let levels = parse(&dir.join("plays-by-level.svg"));
    assert_eq!(expected.by_level.len(), 2, "free and paid");
    let by_level: Vec<(String, i64)> = expected.by_level.into_iter().collect();
    assert_bars(&levels, &by_level, true, "levels");

    let songs = parse(&dir.join("top-songs.svg"));
    assert!(!expected.top_songs.is_empty());
    assert_bars(&songs, &expected.top_songs, false, "songs");
}
