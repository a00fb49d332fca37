//! Which files of a local source folder are loaded, against the real
//! PostgreSQL engine: links are followed (and a changed target is seen
//! as a changed file), every other file is loaded or refused by name
//! (never left out unsaid), and what dwh could not record, upload or
//! load on Redshift is refused before anything is loaded. Expected rows
//! are counted from the files these tests write.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use dwh_core::load::ledger::{sort_files, KnownFile, Ledger};
use dwh_core::load::{LoadError, LoadOptions, LocalDir, Source, SourceFile, StagingReport};
use dwh_core::project::FilePattern;
use dwh_core::schema::Table;
use dwh_core::{StagingTable, Warehouse, WarehouseError};
use dwh_tests::{fresh_warehouse, scratch};
use sparkify::StagingEvent;

const EVENTS: &Table = &<StagingEvent as StagingTable>::TABLE;

/// A JSON-lines event per user id, as Sparkify's log files hold them.
fn events(users: &[u32]) -> String {
    users
        .iter()
        .map(|u| {
            format!("{{\"userId\": \"{u}\", \"page\": \"NextSong\", \"ts\": 1541121934796}}\n")
        })
        .collect()
}

fn write(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

#[cfg(unix)]
fn link(target: &Path, at: &Path) {
    std::os::unix::fs::symlink(target, at).unwrap();
}

/// Sparkify's own pattern for its event files.
fn events_pattern() -> FilePattern {
    let project = sparkify::project();
    let source = project
        .sources()
        .iter()
        .find(|s| s.table.name == EVENTS.name);
    source.expect("sparkify loads events").pattern.clone()
}

async fn events_warehouse(name: &str) -> Warehouse {
    let (warehouse, _) = fresh_warehouse(name).await;
    warehouse.create_tables(&sparkify::schema()).await.unwrap();
    warehouse
        .client()
        .batch_execute("INSERT INTO staging_events (artist) VALUES ('sentinel')")
        .await
        .unwrap();
    warehouse
}

async fn load(
    warehouse: &mut Warehouse,
    source: Arc<dyn Source>,
    options: &LoadOptions,
) -> Result<StagingReport, WarehouseError> {
    dwh_tests::load_staging(warehouse, vec![(EVENTS, source)], options.clone())
        .await
        .map(|mut reports| reports.remove(0))
}

async fn user_ids(warehouse: &Warehouse) -> String {
    let sql = "SELECT coalesce(string_agg(user_id, ',' ORDER BY user_id::int), '') \
               FROM staging_events WHERE user_id IS NOT NULL";
    let row = warehouse.client().query_one(sql, &[]).await.unwrap();
    row.get(0)
}

/// The listing error of `source`, as the user reads it.
fn refusal(source: &LocalDir) -> String {
    match source.files() {
        Ok(files) => panic!("listed without a word: {files:#?}"),
        Err(e) => e.to_string(),
    }
}

/// The ledger a run records for `files` of `source`.
fn ledger_of(source: &LocalDir, files: &[SourceFile]) -> Ledger {
    Ledger::new(files.iter().map(|f| {
        let known = KnownFile {
            size: f.size,
            modified: f.modified,
            checksum: source.checksum(f).unwrap(),
            rows: 2,
        };
        (EVENTS.name.to_owned(), f.key.clone(), known)
    }))
}

#[cfg(unix)]
#[tokio::test]
async fn linked_folders_and_files_are_loaded_and_a_changed_target_is_seen() {
    let dir = scratch("source_files_links");
    let (root, elsewhere) = (dir.join("log_data"), dir.join("elsewhere"));
    write(&root.join("a.json"), &events(&[1, 2]));
    write(&elsewhere.join("day/b.json"), &events(&[3]));
    write(&elsewhere.join("c.json"), &events(&[4, 5, 6]));
    link(&elsewhere.join("day"), &root.join("linked"));
    link(&elsewhere.join("c.json"), &root.join("c.json"));

    let source = LocalDir::new(&root);
    let files = source.files().unwrap();
    let keys: Vec<&str> = files.iter().map(|f| f.key.as_str()).collect();
    assert_eq!(keys, ["a.json", "c.json", "linked/b.json"]);
    let target = fs::metadata(elsewhere.join("c.json")).unwrap();
    assert_eq!(
        files[1].size,
        target.len(),
        "the target's size, not the link's"
    );

    let mut warehouse = events_warehouse("source_files_links").await;
    let report = load(
        &mut warehouse,
        Arc::new(source.clone()),
        &Default::default(),
    )
    .await
    .unwrap();
    assert_eq!((report.files, report.rows), (3, 6));
    assert_eq!(user_ids(&warehouse).await, "1,2,3,4,5,6");

    // The ledger as a run records it; then the link's target is cut short.
    let ledger = ledger_of(&source, &files);
    let unchanged = sort_files(EVENTS, &source, source.files().unwrap(), &ledger).unwrap();
    assert_eq!((unchanged.unchanged, unchanged.changed.len()), (3, 0));
    write(&elsewhere.join("c.json"), &events(&[4]));
    let batch = sort_files(EVENTS, &source, source.files().unwrap(), &ledger).unwrap();
    let changed: Vec<&str> = batch.changed.iter().map(|c| c.file.key.as_str()).collect();
    assert_eq!(
        changed,
        ["c.json"],
        "a truncated link target is a changed file"
    );
}

/// A link's target rewritten with as many bytes is a changed file: the
/// listing records the target's time, not the link's, which a rewrite
/// leaves alone (with the link's time and an equal size, the ledger took
/// the file as unchanged without reading it).
#[cfg(unix)]
#[test]
fn a_link_target_rewritten_at_its_size_is_a_changed_file() {
    let dir = scratch("source_files_link_same_size");
    let (root, target) = (dir.join("log_data"), dir.join("elsewhere/c.json"));
    write(&target, &events(&[4]));
    fs::create_dir_all(&root).unwrap();
    link(&target, &root.join("c.json"));
    let source = LocalDir::new(&root);
    let before = source.files().unwrap();
    let ledger = ledger_of(&source, &before);

    write(&target, &events(&[7]));
    let later = fs::metadata(&target).unwrap().modified().unwrap();
    let later = later + std::time::Duration::from_secs(60);
    fs::File::options()
        .write(true)
        .open(&target)
        .unwrap()
        .set_modified(later)
        .unwrap();
    let files = source.files().unwrap();
    assert_eq!(files[0].size, before[0].size, "the same size");
    let batch = sort_files(EVENTS, &source, files, &ledger).unwrap();
    let changed: Vec<&str> = batch.changed.iter().map(|c| c.file.key.as_str()).collect();
    assert_eq!(
        changed,
        ["c.json"],
        "a rewritten link target is a changed file"
    );
}

#[cfg(unix)]
#[test]
fn a_link_loop_and_a_broken_link_are_refused_by_name() {
    let dir = scratch("source_files_link_loop");
    let root = dir.join("log_data");
    write(&root.join("day/a.json"), &events(&[1]));
    link(&root, &root.join("day/loop"));
    link(&dir.join("gone.json"), &root.join("gone.json"));
    // The same file twice, through a second link: its rows would double.
    link(&root.join("day/a.json"), &root.join("twice.json"));

    let message = refusal(&LocalDir::new(&root));
    for part in [
        "3 files would be left out or cannot be loaded",
        &format!("{}: a link to", root.join("day/loop").display()),
        "a folder it is in: listing it would never end; remove the link",
        &format!(
            "{}: a link to {}",
            root.join("gone.json").display(),
            dir.join("gone.json").display()
        ),
        "which cannot be read",
        &format!(
            "{}: the same file as day/a.json",
            root.join("twice.json").display()
        ),
    ] {
        assert!(message.contains(part), "{part:?} missing from:\n{message}");
    }
}

fn gzip(path: &Path, text: &str) {
    let mut encoder = flate2::write::GzEncoder::new(
        fs::File::create(path).unwrap(),
        flate2::Compression::default(),
    );
    encoder.write_all(text.as_bytes()).unwrap();
    encoder.finish().unwrap();
}

#[tokio::test]
async fn other_extensions_are_loaded_or_refused_by_name() {
    let root = scratch("source_files_extensions").join("log_data");
    write(&root.join("a.json"), &events(&[1]));
    write(&root.join("b.JSON"), &events(&[2]));
    write(&root.join("c.jsonl"), &events(&[3]));
    gzip(&root.join("d.json.gz"), &events(&[4, 5]));
    gzip(&root.join("e.JSONL.GZ"), &events(&[6]));
    write(&root.join("notes.txt"), "not data\n");
    write(&root.join("f.json.zst"), "(zstd bytes)\n");

    let source = LocalDir::matching(&root, events_pattern());
    let message = refusal(&source);
    for part in [
        "2 files would be left out or cannot be loaded, and nothing was loaded",
        &format!("{}: compressed (.zst)", root.join("f.json.zst").display()),
        "dwh reads JSON files plain or gzipped (.gz)",
        &format!(
            "{}: its name matches neither the source's pattern `*.{{json,jsonl}}`",
            root.join("notes.txt").display()
        ),
        "move the others out of the folder",
    ] {
        assert!(message.contains(part), "{part:?} missing from:\n{message}");
    }
    let mut warehouse = events_warehouse("source_files_extensions").await;
    let refused = load(
        &mut warehouse,
        Arc::new(source.clone()),
        &Default::default(),
    )
    .await;
    assert!(
        matches!(refused, Err(WarehouseError::Load(LoadError::List { .. }))),
        "{refused:?}"
    );
    assert_eq!(user_ids(&warehouse).await, "", "nothing loaded");

    fs::remove_file(root.join("notes.txt")).unwrap();
    fs::remove_file(root.join("f.json.zst")).unwrap();
    let report = load(&mut warehouse, Arc::new(source), &Default::default())
        .await
        .unwrap();
    assert_eq!((report.files, report.rows), (5, 6));
    assert_eq!(user_ids(&warehouse).await, "1,2,3,4,5,6");
}

#[cfg(unix)]
#[test]
fn a_file_name_that_is_not_utf8_is_refused_by_its_lossy_name() {
    use std::os::unix::ffi::OsStrExt;
    let root = scratch("source_files_not_utf8").join("log_data");
    write(&root.join("a.json"), &events(&[1]));
    let name = std::ffi::OsStr::from_bytes(b"caf\xE9.json");
    fs::write(root.join(name), events(&[2])).unwrap();

    let message = refusal(&LocalDir::new(&root));
    let shown = root.join("caf\u{FFFD}.json");
    for part in [
        &format!("{}: its path is not UTF-8", shown.display()),
        "the load ledger and S3 keys are UTF-8 text",
        "rename it",
    ] {
        assert!(message.contains(part), "{part:?} missing from:\n{message}");
    }
}

#[tokio::test]
async fn a_path_longer_than_the_ledger_keeps_is_refused_before_loading() {
    let root = scratch("source_files_long_path").join("log_data");
    write(&root.join("a.json"), &events(&[1]));
    // Five folders of 220 bytes: a key of 1,100 bytes and more, each name
    // within the file system's 255.
    let deep: PathBuf = (0..5).map(|i| format!("{i}{}", "x".repeat(219))).collect();
    let long = root.join(&deep).join("b.json");
    write(&long, &events(&[2]));
    let key_bytes = long.strip_prefix(&root).unwrap().as_os_str().len();
    assert!(key_bytes > 1024);

    let source = LocalDir::new(&root);
    let message = refusal(&source);
    for part in [
        &format!(
            "{}: its path below {} is {key_bytes} bytes",
            long.display(),
            root.display()
        ),
        "over the 1024 the load ledger records",
        "shorten its folder or file names",
    ] {
        assert!(message.contains(part), "{part:?} missing from:\n{message}");
    }
    let mut warehouse = events_warehouse("source_files_long_path").await;
    let refused = load(&mut warehouse, Arc::new(source), &Default::default()).await;
    assert!(refused.is_err());
    assert_eq!(user_ids(&warehouse).await, "", "nothing loaded");
}

#[tokio::test]
async fn a_record_over_redshifts_4_mb_is_a_bad_record() {
    let dir = scratch("source_files_big_record");
    let root = dir.join("log_data");
    // A field staging does not load pads the record past 4 MB: the local
    // engine would take it, a Redshift COPY would not.
    let padding = "p".repeat(4 * 1024 * 1024);
    let big =
        format!("{{\"userId\": \"2\", \"page\": \"NextSong\", \"padding\": \"{padding}\"}}\n");
    write(&root.join("a.json"), &(events(&[1]) + &big + &events(&[3])));
    let source: Arc<dyn Source> = Arc::new(LocalDir::new(&root));

    let mut warehouse = events_warehouse("source_files_big_record").await;
    let strict = load(&mut warehouse, Arc::clone(&source), &Default::default()).await;
    let message = match strict {
        Err(WarehouseError::Load(e @ LoadError::BadRecord { .. })) => e.to_string(),
        other => panic!("want a bad record, got {other:?}"),
    };
    for part in [
        &format!("{}:2 (record 2)", root.join("a.json").display()),
        &format!("the record is {} bytes", big.trim_end().len()),
        "over the 4 MB (4194304 bytes) Redshift's COPY reads as one JSON object",
        "https://docs.aws.amazon.com/redshift/latest/dg/copy_json.html",
        "--max-errors N",
    ] {
        assert!(message.contains(part), "{part:?} missing from:\n{message}");
    }
    assert_eq!(user_ids(&warehouse).await, "", "nothing loaded");

    let options = LoadOptions {
        max_errors: 1,
        rejects: Some(dir.join("rejects.jsonl")),
    };
    let report = load(&mut warehouse, source, &options).await.unwrap();
    assert_eq!((report.rows, report.rejected), (2, 1));
    assert_eq!(user_ids(&warehouse).await, "1,3");
}
