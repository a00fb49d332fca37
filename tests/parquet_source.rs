//! Parquet sources on the local engine, read from files written by
//! pyarrow (an independent writer, installed by the test into a venv):
//! every supported type with NULLs, dictionary strings, several row
//! groups, snappy and zstd, INT96 timestamps, decimals as bytes and as
//! integers. Each loaded row is compared with the values the Python script
//! wrote (its own expected.json), not with anything dwh computed.

use std::path::{Path, PathBuf};
use std::process::Command;

use dwh_core::load::policy::BatchPolicy;
use dwh_core::load::{check_parquet, LoadOptions};
use dwh_core::pipeline::Files;
use dwh_core::report::RunReport;
use dwh_core::schema::{Column, JsonField, SqlType, Table, TableKind};
use dwh_core::{Project, Schema, Warehouse};
use dwh_tests::python_tool::{run_checked, PythonTool};
use dwh_tests::{fresh_warehouse, project_sources, run_dir, run_files, scratch};

const fn col(name: &'static str, ty: SqlType) -> Column {
    Column::new(name, ty)
}

/// The staging table, in the files' column order (the Redshift check
/// requires it); NUMERIC columns, which the derive does not declare, are
/// why it is written by hand.
static EVENTS: Table = Table {
    columns: &[
        Column {
            nullable: false,
            ..col("id", SqlType::BigInt)
        },
        col("small", SqlType::SmallInt),
        col("unsigned", SqlType::BigInt),
        col("tally", SqlType::Integer),
        col("ratio", SqlType::Real),
        col("score", SqlType::Double),
        col("flag", SqlType::Boolean),
        col("name", SqlType::Varchar(32)),
        col("day", SqlType::Date),
        col("ts_ms", SqlType::Timestamp),
        col("ts_us", SqlType::TimestampTz),
        col("ts_ns", SqlType::Timestamp),
        col(
            "amount",
            SqlType::Numeric {
                precision: 12,
                scale: 2,
            },
        ),
        col(
            "big",
            SqlType::Numeric {
                precision: 24,
                scale: 4,
            },
        ),
        Column {
            json: Some(JsonField {
                key: "epochMs",
                epoch_millis: true,
            }),
            ..col("epoch_ms", SqlType::Timestamp)
        },
    ],
    ..Table::new("staging_pq_events", TableKind::Staging)
};

fn project() -> Project {
    let schema = Schema::new([&EVENTS]).expect("a schema");
    Project::new("parquet", schema)
        .source_of(&EVENTS, "events", "*.parquet")
        .build()
        .expect("a project")
}

/// Runs the Python script into `dir`: the Parquet files and expected.json.
fn write_files(dir: &Path) {
    let venv = PythonTool {
        name: "pyarrow-venv",
        requirement: "pyarrow==21.0.0",
    }
    .ensure_installed(Path::new(env!("CARGO_TARGET_TMPDIR")));
    for sub in ["day1", "day2", "bad", "long"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("parquet_source/write.py");
    run_checked(
        Command::new(venv.join("bin/python")).arg(script).arg(dir),
        "writing Parquet files with pyarrow",
    );
}

/// Copies `file` into the data folder's `events` source.
fn add(data: &Path, file: PathBuf) -> PathBuf {
    let events = data.join("events");
    std::fs::create_dir_all(&events).unwrap();
    let to = events.join(file.file_name().unwrap());
    std::fs::copy(&file, &to).unwrap();
    to
}

async fn run(warehouse: &mut Warehouse, data: &Path) -> Result<RunReport, String> {
    run_dir(warehouse, &project(), data, BatchPolicy::default())
        .await
        .map_err(|e| {
            let mut text = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                text.push_str(&format!("\n{s}"));
                source = s.source();
            }
            text
        })
}

/// The loaded rows as text, as expected.json writes them, by id.
async fn loaded(warehouse: &Warehouse) -> Vec<serde_json::Value> {
    let columns: Vec<String> = EVENTS
        .columns
        .iter()
        .map(|c| {
            // TIMESTAMPTZ's text follows the session's zone: shown in UTC.
            let value = match c.ty {
                SqlType::TimestampTz => format!("\"{}\" AT TIME ZONE 'UTC'", c.name),
                _ => format!("\"{}\"", c.name),
            };
            format!(
                "'{}', COALESCE(CAST({value} AS TEXT), 'NULL')",
                source_key(c)
            )
        })
        .collect();
    let sql = format!(
        "SELECT CAST(json_build_object({}) AS TEXT) FROM \"{}\" ORDER BY id",
        columns.join(", "),
        EVENTS.name
    );
    let rows = warehouse.client().query(&sql, &[]).await.unwrap();
    rows.iter()
        .map(|r| serde_json::from_str(r.get::<_, &str>(0)).unwrap())
        .collect()
}

fn source_key(c: &Column) -> &'static str {
    c.json.map_or(c.name, |j| j.key)
}

#[tokio::test]
async fn pyarrow_files_load_row_for_row_and_incrementally() {
    let dir = scratch("parquet_source");
    write_files(&dir);
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap();
    let day = |d: &str| expected[d].as_array().unwrap().clone();
    let (mut warehouse, _) = fresh_warehouse("parquet_source").await;
    let data = dir.join("data");

    add(&data, dir.join("day1/a.parquet"));
    let first = run(&mut warehouse, &data).await.unwrap();
    assert_eq!((first.staging[0].files, first.staging[0].rows), (1, 5));
    assert_eq!(loaded(&warehouse).await, day("day1"));

    // One more file: only it is loaded (the staging table holds a run's
    // batch), its INT96 timestamps and integer decimals included.
    add(&data, dir.join("day2/b.parquet"));
    let second = run(&mut warehouse, &data).await.unwrap();
    assert_eq!((second.staging[0].files, second.staging[0].rows), (1, 5));
    assert_eq!(loaded(&warehouse).await, day("day2"));
}

#[tokio::test]
async fn a_column_of_the_wrong_type_refuses_the_run() {
    let dir = scratch("parquet_source_bad");
    write_files(&dir);
    let (mut warehouse, _) = fresh_warehouse("parquet_source_bad").await;
    let data = dir.join("data");
    let bad = add(&data, dir.join("bad/c.parquet"));
    let err = run(&mut warehouse, &data).await.unwrap_err();
    assert!(err.contains(&bad.display().to_string()), "{err}");
    assert!(
        err.contains("column `small` is DOUBLE in the file, which does not load into SMALLINT"),
        "{err}"
    );
}

/// A bad row is named by its file and 1-based row, as a JSON record by its
/// line; `--max-errors` skips it into the rejects file.
#[tokio::test]
async fn a_bad_row_is_named_by_its_row_or_skipped_under_max_errors() {
    let dir = scratch("parquet_source_long");
    write_files(&dir);
    let (mut warehouse, _) = fresh_warehouse("parquet_source_long").await;
    let data = dir.join("data");
    let file = add(&data, dir.join("long/e.parquet"));
    let err = run(&mut warehouse, &data).await.unwrap_err();
    let at = format!("{}:3 (record 3), column `name`", file.display());
    assert!(err.contains(&at), "{err}");
    assert!(
        err.contains("longer than the column's VARCHAR(32)"),
        "{err}"
    );

    let rejects = dir.join("rejects.jsonl");
    let files = Files {
        sources: project_sources(&project(), &data),
        options: LoadOptions {
            max_errors: 1,
            rejects: Some(rejects.clone()),
        },
        ..Files::default()
    };
    let report = run_files(&mut warehouse, &project(), files, BatchPolicy::default())
        .await
        .unwrap();
    assert_eq!((report.staging[0].rows, report.staging[0].rejected), (4, 1));
    let ids: Vec<i64> = warehouse
        .client()
        .query(
            &format!("SELECT id FROM \"{}\" ORDER BY id", EVENTS.name),
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(ids, [1, 2, 4, 5]);
    // One rejects file per table, named after it.
    let skipped = std::fs::read_to_string(dir.join("rejects.staging_pq_events.jsonl")).unwrap();
    assert!(
        skipped.contains("e.parquet") && skipped.contains("\"line\":3"),
        "{skipped}"
    );
}

#[test]
fn the_redshift_check_refuses_a_reordered_file() {
    let dir = scratch("parquet_source_check");
    write_files(&dir);
    assert_eq!(check_parquet(&dir.join("day1/a.parquet"), &EVENTS), Ok(5));
    let err = check_parquet(&dir.join("reordered.parquet"), &EVENTS).unwrap_err();
    let order = "write the columns in the table's order: id, small, unsigned, tally, ratio, \
                 score, flag, name, day, ts_ms, ts_us, ts_ns, amount, big, epochMs";
    assert!(err.contains(order), "{err}");
}

/// The process's peak resident memory so far, in MB (Linux).
fn peak_rss_mb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .unwrap_or(0);
    kb / 1024
}

/// Memory stays flat: a file of `DWH_PARQUET_ROWS` rows (1M by default)
/// loads with the same peak memory as one of a tenth of them. Slow (it
/// writes the files with pyarrow), so run by hand:
/// `cargo test --workspace --test parquet_source -- --ignored --nocapture`.
#[tokio::test]
#[ignore]
async fn a_big_file_loads_in_flat_memory() {
    let rows: u64 = std::env::var("DWH_PARQUET_ROWS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(1_000_000);
    let dir = scratch("parquet_source_big");
    write_files(&dir);
    let (mut warehouse, _) = fresh_warehouse("parquet_source_big").await;
    let mut peaks = Vec::new();
    for (i, count) in [rows / 10, rows].into_iter().enumerate() {
        let data = dir.join(format!("data{i}"));
        std::fs::create_dir_all(data.join("events")).unwrap();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("parquet_source/write.py");
        let python = Path::new(env!("CARGO_TARGET_TMPDIR")).join("pyarrow-venv/bin/python");
        run_checked(
            Command::new(python)
                .arg(script)
                .arg(data.join("events"))
                .arg(count.to_string()),
            "writing a big Parquet file",
        );
        // Another name: the ledger knows files by their path.
        let events = data.join("events");
        std::fs::rename(
            events.join("big.parquet"),
            events.join(format!("big{i}.parquet")),
        )
        .unwrap();
        let report = run(&mut warehouse, &data).await.unwrap();
        assert_eq!(report.staging[0].rows, count);
        peaks.push(peak_rss_mb());
        eprintln!("{count} rows: peak RSS {} MB", peak_rss_mb());
    }
    // The tenfold file may add a few batches' worth, not its size.
    assert!(peaks[1] < peaks[0] + 20, "peak RSS grew: {peaks:?} MB");
}
