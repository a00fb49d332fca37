//! One meaning whatever the format: the course sample's records, written
//! as CSV and as Parquet by tools independent of dwh (Python's csv module
//! and pyarrow, `formats/write_formats.py`), build the same warehouse as
//! the JSON files, table for table and row for row, over two incremental
//! runs: the ledger, late arrivals (songs arriving after their plays) and
//! type-2 history (users changing level) work the same for every format.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use dwh_core::load::policy::BatchPolicy;
use dwh_core::load::LoadOptions;
use dwh_core::pipeline::Files;
use dwh_core::project::{Csv, Format};
use dwh_core::schema::{SqlType, TableKind};
use dwh_core::{Project, Warehouse};
use dwh_tests::python_tool::{run_checked, PythonTool};
use dwh_tests::{
    fresh_warehouse, project_sources, run_files, sample_present, scratch, star_tables,
};

/// The text the CSV files write for NULL.
const CSV_NULL: &str = "\\N";

/// pyarrow, pinned, in a venv under the target directory.
fn pyarrow() -> PathBuf {
    PythonTool {
        name: "pyarrow-venv",
        requirement: "pyarrow==21.0.0",
    }
    .ensure_installed(Path::new(env!("CARGO_TARGET_TMPDIR")))
}

/// The Sparkify schema with every source in `format`.
fn project(format: &Format) -> Project {
    let base = sparkify::project();
    let mut builder = Project::new("sparkify", base.schema().clone());
    for source in base.sources() {
        let pattern = match format {
            Format::Json => source.pattern.as_str().to_owned(),
            Format::Csv(_) => "*.csv".to_owned(),
            Format::Parquet => "*.parquet".to_owned(),
        };
        builder = builder.source_of_as(source.table, &source.dir, &pattern, format.clone());
    }
    builder.build().expect("the project holds together")
}

/// How the Python script types a column.
fn kind(column: &dwh_core::schema::Column) -> &'static str {
    match column.ty {
        _ if column.json.is_some_and(|j| j.epoch_millis) => "epoch_millis",
        SqlType::SmallInt => "int16",
        SqlType::Integer => "int32",
        SqlType::BigInt => "int64",
        SqlType::Real | SqlType::Double => "float64",
        SqlType::Boolean => "bool",
        SqlType::Varchar(_) => "text",
        other => panic!("the sample has no {other:?} column"),
    }
}

/// Every data file of the sample below `dir`, relative, sorted.
fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = dwh_tests::walk(dir)
        .into_iter()
        .map(|path| path.strip_prefix(dir).unwrap().to_owned())
        .collect();
    out.sort();
    out
}

/// Writes the sample as CSV and Parquet below `out` (`csv/`, `parquet/`).
fn write_formats(sample: &Path, out: &Path) {
    let project = sparkify::project();
    let sources: Vec<serde_json::Value> = project
        .sources()
        .iter()
        .map(|source| {
            let dir = sample.join(&source.dir);
            let files: Vec<(String, String)> = files_below(&dir)
                .into_iter()
                .map(|f| (f.display().to_string(), dir.join(&f).display().to_string()))
                .collect();
            let columns: Vec<(&str, &str)> = source
                .table
                .columns
                .iter()
                .map(|c| (c.json.map_or(c.name, |j| j.key), kind(c)))
                .collect();
            serde_json::json!({ "dir": source.dir, "files": files, "columns": columns })
        })
        .collect();
    let spec = out.join("spec.json");
    std::fs::write(&spec, serde_json::json!({ "sources": sources }).to_string()).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("formats/write_formats.py");
    run_checked(
        Command::new(pyarrow().join("bin/python"))
            .arg(script)
            .arg(&spec)
            .arg(out),
        "writing the sample as CSV and Parquet with pyarrow",
    );
}

/// A file's path without its extensions: the same record's file in every
/// format (`2018/11/2018-11-01-events`).
fn stem(file: &Path) -> String {
    let text = file.display().to_string();
    let name_at = text.rfind('/').map_or(0, |i| i + 1);
    match text[name_at..].find('.') {
        Some(dot) => text[..name_at + dot].to_owned(),
        None => text,
    }
}

/// Which files make late arrivals: the song files of songs some play
/// matches (title, artist and duration, as `songplays` looks them up) and
/// the log files of those plays, read from the sample's JSON with
/// serde_json, independently of dwh. The plays come in the first run, the
/// songs only in the second.
fn late_arrivals(sample: &Path) -> Late {
    let objects = |dir: &str| -> Vec<(String, serde_json::Value)> {
        let root = sample.join(dir);
        files_below(&root)
            .into_iter()
            .flat_map(|f| {
                let text = std::fs::read_to_string(root.join(&f)).unwrap();
                let values: Vec<serde_json::Value> = serde_json::Deserializer::from_str(&text)
                    .into_iter()
                    .map(Result::unwrap)
                    .collect();
                values.into_iter().map(move |v| (stem(&f), v))
            })
            .collect()
    };
    let key = |title: &serde_json::Value,
               artist: &serde_json::Value,
               length: &serde_json::Value| { format!("{title}|{artist}|{length}") };
    let songs: BTreeMap<String, String> = objects("song_data")
        .into_iter()
        .map(|(file, s)| (key(&s["title"], &s["artist_name"], &s["duration"]), file))
        .collect();
    let mut late = Late::default();
    for (file, event) in objects("log_data") {
        let play = key(&event["song"], &event["artist"], &event["length"]);
        if let Some(song) = songs.get(&play).filter(|_| event["page"] == "NextSong") {
            late.songs.insert(song.clone());
            late.logs.insert(file);
        }
    }
    late
}

/// Links one arrival of `data`'s files into a new folder: all of them, or
/// (`first`) the log files up to half or the last of `late` plays, and
/// every song file but those of `late` songs.
fn arrival(data: &Path, project: &Project, name: &str, first: Option<&Late>) -> PathBuf {
    let dir = scratch(name);
    for source in project.sources() {
        let files = files_below(&data.join(&source.dir));
        // Logs arrive in time order (a user's history refuses earlier
        // days after later ones): the first half, or up to the last
        // late play's day.
        let last_late = files
            .iter()
            .rposition(|f| first.is_some_and(|l| l.logs.contains(&stem(f))));
        let until = last_late.map_or(files.len() / 2, |i| (i + 1).max(files.len() / 2));
        for (i, file) in files.iter().enumerate() {
            let arrives = match (first, source.table.name) {
                (None, _) => true,
                (Some(late), "staging_songs") => !late.songs.contains(&stem(file)),
                (Some(_), _) => i < until,
            };
            if arrives {
                let to = dir.join(&source.dir).join(file);
                std::fs::create_dir_all(to.parent().unwrap()).unwrap();
                std::os::unix::fs::symlink(data.join(&source.dir).join(file), &to).unwrap();
            }
        }
    }
    dir
}

/// Late arrivals: song files held back for the second run, and the log
/// files of their plays, which come in the first (by [`stem`]).
#[derive(Default)]
struct Late {
    songs: BTreeSet<String>,
    logs: BTreeSet<String>,
}

/// Every declared table's rows as sorted text: the star schema (without
/// IDENTITY values), the staging tables, and the plays waiting for their
/// song (`dwh_unmatched_songplays`).
async fn tables(warehouse: &Warehouse, project: &Project) -> BTreeMap<&'static str, Vec<String>> {
    let mut out = star_tables(warehouse, project.schema()).await;
    let staging = project
        .schema()
        .tables()
        .iter()
        .filter(|t| t.kind == TableKind::Staging);
    for name in staging.map(|t| t.name).chain([UNMATCHED]) {
        out.insert(name, rows_as_text(warehouse, name).await);
    }
    out
}

/// Sparkify's late arrivals: plays whose song has not arrived yet.
const UNMATCHED: &str = "dwh_unmatched_songplays";

/// Each row of `table` as PostgreSQL's text of the whole row, sorted.
async fn rows_as_text(warehouse: &Warehouse, table: &str) -> Vec<String> {
    let sql = format!("SELECT CAST(t AS TEXT) FROM \"{table}\" AS t");
    let rows = warehouse.client().query(&sql, &[]).await.unwrap();
    let mut rows: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
    rows.sort();
    rows
}

/// The tables after each of two runs: half the files, then all of them.
async fn two_runs(
    format: &Format,
    data: &Path,
    name: &str,
    late: &Late,
) -> Vec<BTreeMap<&'static str, Vec<String>>> {
    let project = project(format);
    let (mut warehouse, _) = fresh_warehouse(name).await;
    let mut after = Vec::new();
    for (run, first) in [("first", Some(late)), ("second", None)] {
        let dir = arrival(data, &project, &format!("{name}_{run}"), first);
        let files = Files {
            sources: project_sources(&project, &dir),
            options: LoadOptions::default(),
            ..Files::default()
        };
        let report = run_files(&mut warehouse, &project, files, BatchPolicy::default())
            .await
            .unwrap_or_else(|e| panic!("{} run of {name}: {e}", run));
        let loaded: u64 = report.staging.iter().map(|s| s.rows).sum();
        assert!(loaded > 0, "the {run} run of {name} loaded rows");
        after.push(tables(&warehouse, &project).await);
    }
    after
}

#[tokio::test]
async fn json_csv_and_parquet_build_the_same_warehouse() {
    if !sample_present("json_csv_and_parquet_build_the_same_warehouse") {
        return;
    }
    let sample = dwh_tests::sample_data();
    let written = scratch("formats_written");
    write_formats(&sample, &written);

    let late = late_arrivals(&sample);
    let json = two_runs(&Format::Json, &sample, "formats_json", &late).await;
    let csv = Format::Csv(Csv::new().null_as(CSV_NULL));
    let csv = two_runs(&csv, &written.join("csv"), "formats_csv", &late).await;
    let parquet = Format::Parquet;
    let parquet = two_runs(&parquet, &written.join("parquet"), "formats_parquet", &late).await;

    for (run, json) in json.iter().enumerate() {
        assert!(json["songplays"].len() > 100, "run {run} built plays");
        for (name, other) in [("CSV", &csv[run]), ("Parquet", &parquet[run])] {
            for (table, rows) in json {
                assert_eq!(
                    &other[table],
                    rows,
                    "run {}: `{table}` from {name} differs from JSON",
                    run + 1
                );
            }
        }
    }
    // The plays of the late songs came in the first run, unmatched; the
    // second run, which brought the songs, matched them (a data set where
    // no play matches a song has no late arrival).
    let matched = |run: &BTreeMap<&str, Vec<String>>| {
        run["songplays"]
            .iter()
            .filter(|play| !play.contains("|NULL|NULL|"))
            .count()
    };
    assert_eq!(matched(&json[0]), 0, "the late songs' plays found no song");
    assert_eq!(
        matched(&json[1]) > 0,
        !late.songs.is_empty(),
        "plays matched after the second run: {}, late songs {:?}",
        matched(&json[1]),
        late.songs
    );
}

// ANCHOR: lake
/// Sparkify's sources as a data lake might hold them: the events exported
/// as CSV with `;` between fields and `NA` for NULL, the songs written by
/// Spark as Parquet (the format named by the pattern's extension).
fn lake_project() -> Result<Project, dwh_core::project::ProjectError> {
    use sparkify::{StagingEvent, StagingSong};
    let events = Format::Csv(Csv::new().delimiter(b';').null_as("NA"));
    Project::new("sparkify", sparkify::schema())
        .source_as::<StagingEvent>("log_data", "*.csv", events)
        .source::<StagingSong>("song_data", "*.parquet")
        .build()
}
// ANCHOR_END: lake

#[test]
fn a_source_declares_its_format_or_its_extension_names_it() {
    let project = lake_project().expect("the project holds together");
    let formats: Vec<(&str, &Format)> = project
        .sources()
        .iter()
        .map(|s| (s.dir.as_str(), &s.format))
        .collect();
    let events = Format::Csv(Csv::new().delimiter(b';').null_as("NA"));
    assert_eq!(
        formats,
        [("log_data", &events), ("song_data", &Format::Parquet)]
    );
    // Options that cannot be read are refused when the project is built.
    let bad = Project::new("sparkify", sparkify::schema())
        .source_as::<sparkify::StagingEvent>(
            "log_data",
            "*.csv",
            Format::Csv(Csv::new().delimiter(b'"')),
        )
        .source::<sparkify::StagingSong>("song_data", "*.parquet.gz")
        .build()
        .unwrap_err()
        .to_string();
    assert!(
        bad.contains("source folder `log_data`") && bad.contains("quote"),
        "{bad}"
    );
    let gz = Project::new("sparkify", sparkify::schema())
        .source::<sparkify::StagingEvent>("log_data", "*.json")
        .source::<sparkify::StagingSong>("song_data", "*.parquet.gz")
        .build()
        .unwrap_err()
        .to_string();
    assert!(gz.contains("compressed inside the file"), "{gz}");
}
