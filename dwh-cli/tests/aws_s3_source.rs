//! `dwh all --data s3://bucket/prefix` lists a source's objects as it
//! lists a local folder: the source's pattern (Sparkify's `*.{json,jsonl}`)
//! and the same with `.gz` in any case, plus the parts `dwh upload`
//! writes; any other object is refused by name before anything is loaded
//! (it was skipped without a word: `*.jsonl`, `.JSON.GZ` and the rest).

mod aws_support;

use std::io::Write;

use aws_sdk_s3::primitives::ByteStream;
use aws_support::{create_bucket, runtime, scratch, LocalEngine, Moto};

const BUCKET: &str = "dwh-it-source";

fn put(rt: &tokio::runtime::Runtime, s3: &aws_sdk_s3::Client, key: &str, body: Vec<u8>) {
    let put = s3.put_object().bucket(BUCKET).key(key);
    rt.block_on(put.body(ByteStream::from(body)).send())
        .unwrap_or_else(|e| panic!("{key}: {e:?}"));
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

fn sample_file(path: &str) -> Vec<u8> {
    std::fs::read(dwh_tests::sample_data().join(path)).unwrap()
}

fn lines(bytes: &[u8]) -> usize {
    String::from_utf8_lossy(bytes)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .count()
}

/// Below `raw/`: three days of events as `.jsonl`, `.JSON.GZ` and `.json`,
/// a folder marker, a song file, and two objects a source must refuse
/// (`_SUCCESS`, a `.bz2`). The events the three days hold.
fn put_objects(rt: &tokio::runtime::Runtime, s3: &aws_sdk_s3::Client) -> usize {
    let day = |n: u32| sample_file(&format!("log_data/2018/11/2018-11-{n:02}-events.json"));
    let (day_1, day_2, day_3) = (day(1), day(2), day(3));
    let song = sample_file("song_data/A/A/A/TRAAAAW128F429D538.json");
    put(rt, s3, "raw/log_data/2018/11/day-1.jsonl", day_1.clone());
    put(rt, s3, "raw/log_data/2018/11/day-2.JSON.GZ", gzip(&day_2));
    put(rt, s3, "raw/log_data/2018/11/day-3.json", day_3.clone());
    put(rt, s3, "raw/log_data/2018/", Vec::new()); // a folder marker
    put(rt, s3, "raw/song_data/A/song.json", song);
    put(rt, s3, "raw/log_data/_SUCCESS", Vec::new());
    put(rt, s3, "raw/log_data/2018/11/day-4.json.bz2", vec![b'x']);
    lines(&day_1) + lines(&day_2) + lines(&day_3)
}

#[test]
fn an_s3_source_reads_what_a_local_folder_reads_and_refuses_the_rest() {
    dwh_tests::require_sample!();
    let moto = Moto::start();
    let dir = scratch("s3_source");
    let (rt, s3) = (runtime(), moto.s3());
    create_bucket(&rt, &s3, BUCKET);

    let records = put_objects(&rt, &s3);

    let engine = dir.join("engine");
    let _guard = LocalEngine {
        moto: &moto,
        dir: &dir,
        engine: engine.clone(),
    };
    let engine_arg = engine.to_str().unwrap();
    let data = format!("s3://{BUCKET}/raw");
    let args = ["all", "--data", &data, "--local-dir", engine_arg];
    let refused = moto.dwh(&dir, &args).code(1);
    let text = refused.text();
    assert!(
        text.contains(&format!("s3://{BUCKET}/raw/log_data/_SUCCESS")),
        "{text}"
    );
    assert!(text.contains("day-4.json.bz2: compressed (.bz2)"), "{text}");
    assert!(text.contains("2 files would be left out"), "{text}");
    assert!(!text.contains("day-1.jsonl:"), "{text}");

    for key in [
        "raw/log_data/_SUCCESS",
        "raw/log_data/2018/11/day-4.json.bz2",
    ] {
        rt.block_on(s3.delete_object().bucket(BUCKET).key(key).send())
            .unwrap();
    }
    moto.dwh(&dir, &args).ok();
    let url = moto
        .dwh(&dir, &["local", "url", "--local-dir", engine_arg])
        .ok()
        .stdout;
    let events: i64 = rt.block_on(async {
        let (client, connection) = tokio_postgres::connect(url.trim(), tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(connection);
        let row = client
            .query_one("SELECT COUNT(*) FROM staging_events", &[])
            .await
            .unwrap();
        row.get(0)
    });
    let want = records;
    assert_eq!(events as usize, want, "every record of the three days");
}
