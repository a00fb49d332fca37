//! Incremental loads on the Redshift path, against moto for S3 and the
//! cluster, and the real local PostgreSQL engine as the cluster's SQL
//! endpoint (no emulator speaks Redshift SQL): the run reads the load
//! ledger there before it uploads, and uploads only the files it lacks.
//! The COPY itself then fails (PostgreSQL has no `COPY … FROM 's3://…'`);
//! what is checked is what reached S3.

mod aws_support;

use std::path::{Path, PathBuf};
use std::process::Command;

use aws_support::{cluster_endpoint, env_refs, runtime, scratch, LocalEngine, Moto, CONFIG};

/// An object's bytes.
fn get(rt: &tokio::runtime::Runtime, s3: &aws_sdk_s3::Client, key: &str) -> Vec<u8> {
    rt.block_on(async {
        let out = s3
            .get_object()
            .bucket("dwh-it-data")
            .key(key)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{key}: {e:?}"));
        out.body.collect().await.unwrap().into_bytes().to_vec()
    })
}

fn keys(rt: &tokio::runtime::Runtime, s3: &aws_sdk_s3::Client) -> Vec<String> {
    rt.block_on(async {
        let out = s3
            .list_objects_v2()
            .bucket("dwh-it-data")
            .send()
            .await
            .unwrap();
        out.contents()
            .iter()
            .filter_map(|o| o.key().map(str::to_owned))
            .collect()
    })
}

/// Records in a gzip part: its lines.
fn part_records(bytes: &[u8]) -> usize {
    use std::io::Read;
    let mut text = String::new();
    flate2::read::MultiGzDecoder::new(bytes)
        .read_to_string(&mut text)
        .unwrap();
    text.lines().count()
}

/// The day of events the local run does not see, so the cluster run finds
/// it new.
const HELD_DAY: &str = "2018/11/2018-11-30-events.json";

#[test]
fn a_redshift_run_uploads_only_the_files_the_ledger_lacks() {
    dwh_tests::require_sample!();
    let moto = Moto::start();
    let dir = scratch("incremental");
    std::fs::write(dir.join("dwh.toml"), CONFIG).unwrap();
    moto.dwh(&dir, &["provision"]).ok();
    let (data, held, day_records) = sample_holding_back_a_day(&dir);

    let engine = dir.join("engine");
    let guard = LocalEngine {
        moto: &moto,
        dir: &dir,
        engine: engine.clone(),
    };
    let data_arg = data.to_str().unwrap();
    let pg = load_locally_into_the_ledger(&moto, &dir, data_arg, &engine);
    std::fs::rename(&held, data.join("log_data").join(HELD_DAY)).unwrap();

    // The run on the "cluster": that engine is its SQL endpoint.
    let vars = cluster_endpoint(&pg);
    let env = env_refs(&vars);
    redshift_run_finds_one_new_file(&moto, &dir, data_arg, &env);
    let rt = runtime();
    let s3 = moto.s3();
    assert_s3_holds_the_held_day_only(&rt, &s3, day_records);
    upload_all_then_a_run_without_data_stops(&moto, &dir, data_arg, &env, &rt, &s3);
    drop(guard);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A copy of the sample in `dir/data`, its last day of events held back
/// in `dir/held.json`. Returns the copy, the held file and its records.
fn sample_holding_back_a_day(dir: &Path) -> (PathBuf, PathBuf, usize) {
    let data = dir.join("data");
    let copied = Command::new("cp")
        .arg("-r")
        .arg(dwh_tests::sample_data())
        .arg(&data)
        .status()
        .unwrap();
    assert!(copied.success());
    let held = dir.join("held.json");
    std::fs::rename(data.join("log_data").join(HELD_DAY), &held).unwrap();
    let day_records = std::fs::read_to_string(&held)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .count();
    (data, held, day_records)
}

/// A local run loads the rest and records it in the ledger, under the
/// same keys a run on the cluster records. Returns the engine's
/// connection settings.
fn load_locally_into_the_ledger(
    moto: &Moto,
    dir: &Path,
    data_arg: &str,
    engine: &Path,
) -> tokio_postgres::Config {
    let engine_arg = engine.to_str().unwrap();
    moto.dwh(dir, &["all", "--data", data_arg, "--local-dir", engine_arg])
        .ok();
    let url = moto
        .dwh(dir, &["local", "url", "--local-dir", engine_arg])
        .ok()
        .stdout;
    url.trim().parse().unwrap()
}

/// The run on the cluster uploads, and counts the held day as the one new
/// file of the events and no new file of the songs.
fn redshift_run_finds_one_new_file(moto: &Moto, dir: &Path, data_arg: &str, env: &[(&str, &str)]) {
    let run = moto
        .dwh_env(
            dir,
            &["all", "--target", "redshift", "--data", data_arg],
            env,
        )
        .code(1);
    let text = run.text();
    assert!(text.contains("✔ upload to S3"), "{text}");
    assert!(
        text.contains("staging_events: 1 new file, 29 loaded before"),
        "{text}"
    );
    assert!(
        text.contains("staging_songs: no new files, 71 loaded before"),
        "{text}"
    );
}

/// S3 holds that day only: a manifest of its parts, a sidecar of its
/// file; nothing of the songs.
fn assert_s3_holds_the_held_day_only(
    rt: &tokio::runtime::Runtime,
    s3: &aws_sdk_s3::Client,
    day_records: usize,
) {
    let all = keys(rt, s3);
    assert!(
        !all.iter().any(|k| k.starts_with("sparkify/song_data/")
            || k.starts_with("sparkify/manifests/song_data")),
        "{all:?}"
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&get(rt, s3, "sparkify/manifests/log_data.manifest")).unwrap();
    let mut records = 0;
    for entry in manifest["entries"].as_array().unwrap() {
        let key = entry["url"]
            .as_str()
            .unwrap()
            .strip_prefix("s3://dwh-it-data/")
            .unwrap();
        records += part_records(&get(rt, s3, key));
    }
    assert_eq!(
        records, day_records,
        "the manifest's parts hold that day only"
    );
    let sidecar: serde_json::Value =
        serde_json::from_slice(&get(rt, s3, "sparkify/manifests/log_data.files.json")).unwrap();
    let files = sidecar["files"].as_array().unwrap();
    assert_eq!(files.len(), 1, "{sidecar}");
    assert_eq!(files[0]["key"], HELD_DAY);
    assert_eq!(files[0]["rows"], day_records as u64);
}

/// `dwh upload` sends every file, with sidecars listing them; a run
/// without --data then finds 29 of the 30 event files loaded and stops.
fn upload_all_then_a_run_without_data_stops(
    moto: &Moto,
    dir: &Path,
    data_arg: &str,
    env: &[(&str, &str)],
    rt: &tokio::runtime::Runtime,
    s3: &aws_sdk_s3::Client,
) {
    moto.dwh(dir, &["upload", "--data", data_arg]).ok();
    let songs: serde_json::Value =
        serde_json::from_slice(&get(rt, s3, "sparkify/manifests/song_data.files.json")).unwrap();
    assert_eq!(songs["files"].as_array().unwrap().len(), 71);
    let mixed = moto
        .dwh_env(dir, &["all", "--target", "redshift"], env)
        .code(1);
    assert!(
        mixed
            .stderr
            .contains("29 of the 30 files uploaded for `staging_events`")
            && mixed.stderr.contains("Pass --data DIR"),
        "{}",
        mixed.text()
    );
}
