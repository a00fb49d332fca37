//! CSV sources against the real PostgreSQL engine: files (gzipped too)
//! loaded into a staging table and compared with the values written here,
//! a header that does not fit refusing the run, a bad row skipped under
//! `--max-errors` naming its file and line, and the load ledger taking only
//! a new file on the next run.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::NaiveDateTime;
use dwh_core::load::policy::BatchPolicy;
use dwh_core::load::{LoadOptions, StagingReport};
use dwh_core::pipeline::Files;
use dwh_core::project::{Csv, Format};
use dwh_core::run::RunError;
use dwh_core::{Project, Schema, StagingTable, Warehouse};
use dwh_tests::{fresh_warehouse, run_files, scratch};

#[derive(Debug, Clone, StagingTable)]
#[dwh(table = "staging_plays", diststyle = even)]
pub struct StagingPlay {
    pub id: i64,
    #[dwh(json = "userId")]
    pub user_id: Option<i32>,
    #[dwh(varchar = 64)]
    pub song: Option<String>,
    pub length: Option<f64>,
    pub paid: Option<bool>,
    pub ts: Option<NaiveDateTime>,
}

/// The CSV options of the test's source: `NA` is NULL.
fn options() -> Csv {
    Csv::new().null_as("NA")
}

fn project() -> Project {
    let schema = Schema::new([&<StagingPlay as StagingTable>::TABLE]).expect("a schema");
    Project::new("csv_source", schema)
        .source_as::<StagingPlay>("plays", "*.csv", Format::Csv(options()))
        .build()
        .expect("a project")
}

/// One run of the project over `dir` (the files its ledger lacks).
async fn run(
    warehouse: &mut Warehouse,
    dir: &Path,
    options: LoadOptions,
) -> Result<Vec<StagingReport>, RunError> {
    let project = project();
    let files = Files {
        sources: dwh_tests::project_sources(&project, dir),
        options,
        ..Files::default()
    };
    let report = run_files(warehouse, &project, files, BatchPolicy::default()).await?;
    Ok(report.staging)
}

/// The staging table's rows, by id, as text (`NULL` for NULL).
async fn rows(warehouse: &Warehouse) -> Vec<String> {
    let sql = "SELECT concat_ws('|', id, COALESCE(user_id::text, 'NULL'), \
               COALESCE(song, 'NULL'), COALESCE(length::text, 'NULL'), \
               COALESCE(paid::text, 'NULL'), COALESCE(ts::text, 'NULL')) \
               FROM staging_plays ORDER BY id";
    let rows = warehouse.client().query(sql, &[]).await.unwrap();
    rows.iter().map(|r| r.get(0)).collect()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join("plays").join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, bytes).unwrap();
    path
}

fn write_gz(dir: &Path, name: &str, bytes: &[u8]) {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(bytes).unwrap();
    write(dir, name, &gz.finish().unwrap());
}

#[tokio::test]
async fn csv_files_load_gzipped_or_not() {
    let dir = scratch("csv_source_load");
    // A byte order mark, CRLF, columns in another order than the struct's,
    // a quoted delimiter, doubled quotes and a line break inside quotes,
    // the NULL text, empty fields (NULL outside text, '' in text).
    write(
        &dir,
        "a.csv",
        "\u{feff}song,id,userId,length,paid,ts\r\n\
         \"Hey, \"\"Jude\"\"\",1,7,431.5,t,2018-11-01 21:01:46\r\n\
         \"two\r\nlines\",2,NA,,,\r\n"
            .as_bytes(),
    );
    write_gz(&dir, "b.csv.gz", b"id,song,paid\n3,,false\n4,NA,1\n");
    let (mut warehouse, _) = fresh_warehouse("csv_source_load").await;
    let staging = run(&mut warehouse, &dir, LoadOptions::default())
        .await
        .unwrap();
    assert_eq!((staging[0].files, staging[0].rows), (2, 4));
    assert_eq!(
        rows(&warehouse).await,
        [
            "1|7|Hey, \"Jude\"|431.5|true|2018-11-01 21:01:46",
            "2|NULL|two\r\nlines|NULL|NULL|NULL",
            "3|NULL||NULL|false|NULL",
            "4|NULL|NULL|NULL|true|NULL",
        ]
    );
}

#[tokio::test]
async fn a_header_that_does_not_fit_refuses_the_run() {
    let dir = scratch("csv_source_header");
    write(&dir, "a.csv", b"id,song\n1,fine\n");
    let bad = write(&dir, "b.csv", b"id,user,song\n2,3,x\n");
    let (mut warehouse, _) = fresh_warehouse("csv_source_header").await;
    let err = run(&mut warehouse, &dir, LoadOptions::default())
        .await
        .unwrap_err()
        .to_string();
    let expected = format!(
        "cannot load {} into `staging_plays`: the header on line 1: field 2 `user` names no \
         column of `staging_plays`; the columns of `staging_plays` are: id, userId, song, \
         length, paid, ts",
        bad.display()
    );
    assert!(err.contains(&expected), "{err}");
    // Not even under --max-errors: the header is the whole file's.
    let rejects = dir.join("rejects.jsonl");
    let lenient = LoadOptions {
        max_errors: 10,
        rejects: Some(rejects),
    };
    let err = run(&mut warehouse, &dir, lenient).await.unwrap_err();
    assert!(err.to_string().contains(&expected), "{err}");
}

#[tokio::test]
async fn max_errors_skips_bad_rows_naming_file_and_line() {
    let dir = scratch("csv_source_max_errors");
    let file = write(
        &dir,
        "a.csv",
        b"id,song,paid\n1,\"a\nb\",t\n2,too,many,fields\n3,c,maybe\n4,d,f\n",
    );
    let (mut warehouse, _) = fresh_warehouse("csv_source_max_errors").await;
    let err = run(&mut warehouse, &dir, LoadOptions::default())
        .await
        .unwrap_err()
        .to_string();
    let at = format!(
        "{}:4 (record 2): 4 fields where the header names 3",
        file.display()
    );
    assert!(err.contains(&at), "{err}");

    let lenient = LoadOptions {
        max_errors: 2,
        rejects: Some(dir.join("rejects.jsonl")),
    };
    let staging = run(&mut warehouse, &dir, lenient).await.unwrap();
    assert_eq!((staging[0].rows, staging[0].rejected), (2, 2));
    assert_eq!(
        rows(&warehouse).await,
        ["1|NULL|a\nb|NULL|true|NULL", "4|NULL|d|NULL|false|NULL"]
    );
    let written = staging[0].rejects_file.as_ref().expect("a rejects file");
    let rejected: Vec<serde_json::Value> = std::fs::read_to_string(written)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let at: Vec<(String, u64, Option<String>)> = rejected
        .iter()
        .map(|r| {
            (
                r["file"].as_str().unwrap().to_owned(),
                r["line"].as_u64().unwrap(),
                r["column"].as_str().map(str::to_owned),
            )
        })
        .collect();
    let name = file.display().to_string();
    assert_eq!(
        at,
        [(name.clone(), 4, None), (name, 5, Some("paid".to_owned()))]
    );
}

#[tokio::test]
async fn a_new_file_is_loaded_alone_on_the_next_run() {
    let dir = scratch("csv_source_ledger");
    write(&dir, "a.csv", b"id,song\n1,one\n2,two\n");
    let (mut warehouse, _) = fresh_warehouse("csv_source_ledger").await;
    let first = run(&mut warehouse, &dir, LoadOptions::default())
        .await
        .unwrap();
    assert_eq!((first[0].files, first[0].rows), (1, 2));
    write_gz(&dir, "b.csv.gz", b"id,song\n3,three\n");
    let second = run(&mut warehouse, &dir, LoadOptions::default())
        .await
        .unwrap();
    assert_eq!((second[0].files, second[0].rows), (1, 1));
    assert_eq!(rows(&warehouse).await, ["3|NULL|three|NULL|NULL|NULL"]);
    let third = run(&mut warehouse, &dir, LoadOptions::default())
        .await
        .unwrap();
    assert_eq!(third.iter().map(|s| s.files).sum::<u64>(), 0, "{third:?}");
}
