//! The data generator's throughput: events written per second, files
//! included (`cargo bench -p sparkify --bench gen`).

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sparkify::gen::{generate, GenConfig};

const EVENTS: u64 = 200_000;

fn generator(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("dwh-bench-gen-{}", std::process::id()));
    let config = GenConfig {
        events: EVENTS,
        // Proportional songs, as `dwh all` generates them.
        songs: EVENTS / 20,
        seed: 42,
        ..GenConfig::default()
    };
    let bytes = {
        let _ = std::fs::remove_dir_all(&dir);
        generate(&config, &dir).expect("generates").bytes
    };
    let mut group = c.benchmark_group("gen");
    group.throughput(Throughput::ElementsAndBytes {
        elements: EVENTS,
        bytes,
    });
    group.bench_function("200k events + 10k songs", |b| {
        // Files of the same names are overwritten, as a re-run of `dwh gen`.
        b.iter(|| generate(&config, &dir).expect("generates"))
    });
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(8));
    targets = generator
}
criterion_main!(benches);
