//! The loader's stages on generated Sparkify data held in memory, without a
//! database: how fast JSON is split into records, read into cells, and
//! encoded as binary COPY tuples (records/s and MB/s of JSON).
//!
//! `cargo bench -p dwh-core --bench load`. The end-to-end benchmark against
//! PostgreSQL is `dwh-bench` (benches/e2e).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, Throughput};
use dwh_core::load::bench;
use dwh_core::schema::Table;
use dwh_core::StagingTable;
use sparkify::gen::{generate, GenConfig};
use sparkify::{StagingEvent, StagingSong};

const EVENTS: &Table = &<StagingEvent as StagingTable>::TABLE;
const SONGS: &Table = &<StagingSong as StagingTable>::TABLE;

/// Events in the in-memory data set (about 23 MB of JSON lines).
const EVENTS_N: u64 = 50_000;
/// Songs: above 1,000 they are written as JSON lines, 10,000 a file.
const SONGS_N: u64 = 20_000;
/// Songs one object per file, as in the course sample.
const SONGS_SMALL_FILES: u64 = 1_000;

struct Data {
    files: Vec<Arc<[u8]>>,
    bytes: u64,
    records: u64,
}

fn read_all(dir: &Path) -> Vec<Arc<[u8]>> {
    let mut paths = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read generated data") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                paths.push(path);
            }
        }
    }
    paths.sort();
    paths
        .iter()
        .map(|p| Arc::from(std::fs::read(p).expect("read generated file")))
        .collect()
}

fn generated(events: u64, songs: u64) -> (PathBuf, Data, Data) {
    let dir = std::env::temp_dir().join(format!(
        "dwh-bench-load-{}-{events}-{songs}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    let config = GenConfig {
        events,
        songs,
        seed: 42,
        ..GenConfig::default()
    };
    let summary = generate(&config, &dir).expect("generate bench data");
    let data = |sub: &str, records: u64| {
        let files = read_all(&dir.join(sub));
        let bytes = files.iter().map(|f| f.len() as u64).sum();
        Data {
            files,
            bytes,
            records,
        }
    };
    let events = data("log_data", summary.events);
    let songs = data("song_data", summary.songs);
    (dir, events, songs)
}

fn throughput(data: &Data) -> Throughput {
    Throughput::ElementsAndBytes {
        elements: data.records,
        bytes: data.bytes,
    }
}

fn stages(
    group: &mut BenchmarkGroup<'_, criterion::measurement::WallTime>,
    table: &'static Table,
    data: &Data,
) {
    group.throughput(throughput(data));
    group.bench_function("split", |b| {
        b.iter(|| {
            let n: u64 = data.files.iter().map(|f| bench::split(f)).sum();
            assert_eq!(n, data.records);
        })
    });
    group.bench_function("split+parse", |b| {
        b.iter(|| {
            let n: u64 = data
                .files
                .iter()
                .map(|f| bench::split_and_parse(table, f))
                .sum();
            assert_eq!(n, data.records);
        })
    });
    group.bench_function("split+parse+encode", |b| {
        b.iter(|| {
            let (n, _) = bench::encode(table, &data.files).expect("encodes");
            assert_eq!(n, data.records);
        })
    });
}

fn loader(c: &mut Criterion) {
    let (dir, events, songs) = generated(EVENTS_N, SONGS_N);
    let (small_dir, _, small_songs) = generated(1_000, SONGS_SMALL_FILES);

    let mut group = c.benchmark_group("events");
    stages(&mut group, EVENTS, &events);
    group.finish();

    let mut group = c.benchmark_group("songs (JSON lines)");
    stages(&mut group, SONGS, &songs);
    group.finish();

    let mut group = c.benchmark_group("songs (one per file)");
    group.throughput(throughput(&small_songs));
    group.bench_function("split+parse+encode", |b| {
        b.iter(|| bench::encode(SONGS, &small_songs.files).expect("encodes"))
    });
    group.finish();

    let _ = std::fs::remove_dir_all(dir);
    let _ = std::fs::remove_dir_all(small_dir);
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(5));
    targets = loader
}
criterion_main!(benches);
