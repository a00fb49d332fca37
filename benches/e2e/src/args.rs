//! Command-line options (parsed by hand: no clap to build in release).

use std::path::PathBuf;

pub const USAGE: &str = "\
dwh-bench: end-to-end load benchmark of dwh on the local PostgreSQL engine

usage: dwh-bench [--sizes LIST] [--runs N] [--all-runs N] [--out DIR] [--data-dir DIR]
                 [--engine-dir DIR] [--day-events N] [--days N] [--stop-engine]
                 [--keep-database]

  --sizes LIST     comma-separated event counts (100k, 1m, 10m, 250000, ...) and/or
                   `sample` (the real course sample: $DWH_SAMPLE_DIR, else
                   ../shared/data/sparkify beside the checkout);
                   default: sample,100k,1m
  --runs N         side-by-side runs of dwh's staging load (from JSON, CSV and Parquet)
                   and psql \\copy per size; the best of each is compared (default 3)
  --all-runs N     runs of the whole `all` per size, each on a fresh database and again
                   as a re-run on the same data, and of the hand-written transform; the
                   best of each is reported, the targets take medians (default 1)
  --day-events N   events in each new day added to a generated size's warehouse
                   (default 10000)
  --days N         new days added, one run each, to a copy of that warehouse (default 3)
  --out DIR        where results.json and results.md go (default target/dwh-bench)
  --data-dir DIR   generated data sets, made once and reused (default target/dwh-bench/data)
  --engine-dir DIR the local engine (default: the one `dwh all` uses, target/dwh-local)
  --stop-engine    stop the engine when done (default: leave it running, as dwh does)
  --keep-database  keep database `dwh_bench` (the last size's warehouse) to look into
";

/// One data set to measure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Size {
    /// The real course sample (8,056 events, 71 songs).
    Sample,
    /// Generated: this many events and events / 20 songs, as `dwh all`.
    Events(u64),
}

impl Size {
    pub fn label(&self) -> String {
        match self {
            Size::Sample => "sample".to_owned(),
            Size::Events(n) => short_count(*n),
        }
    }

    fn parse(text: &str) -> Result<Size, String> {
        let text = text.trim().to_ascii_lowercase();
        if text == "sample" {
            return Ok(Size::Sample);
        }
        let (digits, factor) = match text.strip_suffix('k') {
            Some(d) => (d, 1_000),
            None => match text.strip_suffix('m') {
                Some(d) => (d, 1_000_000),
                None => (text.as_str(), 1),
            },
        };
        let n: u64 = digits
            .replace('_', "")
            .parse()
            .map_err(|_| format!("bad size `{text}`: expected e.g. 100k, 1m, 10m or sample"))?;
        if n == 0 {
            return Err("a size must be at least one event".into());
        }
        Ok(Size::Events(n * factor))
    }
}

/// 100000 → `100k`, 1000000 → `1M`, 1234 → `1234`.
pub fn short_count(n: u64) -> String {
    if n >= 1_000_000 && n.is_multiple_of(1_000_000) {
        format!("{}M", n / 1_000_000)
    } else if n >= 1_000 && n.is_multiple_of(1_000) {
        format!("{}k", n / 1_000)
    } else {
        n.to_string()
    }
}

#[derive(Debug)]
pub struct Args {
    pub sizes: Vec<Size>,
    pub runs: usize,
    pub all_runs: usize,
    pub out: PathBuf,
    pub data_dir: PathBuf,
    pub engine_dir: PathBuf,
    pub day_events: u64,
    pub days: u64,
    pub stop_engine: bool,
    pub keep_database: bool,
}

impl Args {
    pub fn parse(mut args: impl Iterator<Item = String>, target: PathBuf) -> Result<Args, String> {
        let mut parsed = Args {
            sizes: vec![Size::Sample, Size::Events(100_000), Size::Events(1_000_000)],
            runs: 3,
            all_runs: 1,
            out: target.join("dwh-bench"),
            data_dir: target.join("dwh-bench/data"),
            engine_dir: dwh_core::local::LocalEngine::default_dir(&target),
            day_events: 10_000,
            days: 3,
            stop_engine: false,
            keep_database: false,
        };
        let mut data_dir = None;
        while let Some(arg) = args.next() {
            let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
            match arg.as_str() {
                "--sizes" => {
                    parsed.sizes = value("--sizes")?
                        .split(',')
                        .filter(|s| !s.trim().is_empty())
                        .map(Size::parse)
                        .collect::<Result<_, _>>()?;
                }
                "--runs" => {
                    parsed.runs = value("--runs")?
                        .parse()
                        .ok()
                        .filter(|n| *n > 0)
                        .ok_or("--runs needs a number above zero")?;
                }
                "--all-runs" => {
                    parsed.all_runs = value("--all-runs")?
                        .parse()
                        .ok()
                        .filter(|n| *n > 0)
                        .ok_or("--all-runs needs a number above zero")?;
                }
                "--day-events" => {
                    parsed.day_events = positive(value("--day-events")?, "--day-events")?
                }
                "--days" => parsed.days = positive(value("--days")?, "--days")?,
                "--out" => parsed.out = value("--out")?.into(),
                "--data-dir" => data_dir = Some(PathBuf::from(value("--data-dir")?)),
                "--engine-dir" => parsed.engine_dir = value("--engine-dir")?.into(),
                "--stop-engine" => parsed.stop_engine = true,
                "--keep-database" => parsed.keep_database = true,
                "-h" | "--help" => return Err(String::new()),
                other => return Err(format!("unknown argument `{other}`")),
            }
        }
        parsed.data_dir = data_dir.unwrap_or_else(|| parsed.out.join("data"));
        if parsed.sizes.is_empty() {
            return Err("--sizes names no size".into());
        }
        Ok(parsed)
    }
}

/// `text` as a number above zero, or an error naming `option`.
fn positive(text: String, option: &str) -> Result<u64, String> {
    text.parse()
        .ok()
        .filter(|n| *n > 0)
        .ok_or(format!("{option} needs a number above zero"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_suffixes() {
        assert_eq!(Size::parse("100k"), Ok(Size::Events(100_000)));
        assert_eq!(Size::parse("10M"), Ok(Size::Events(10_000_000)));
        assert_eq!(Size::parse("2_500"), Ok(Size::Events(2_500)));
        assert_eq!(Size::parse("sample"), Ok(Size::Sample));
        assert!(Size::parse("lots").is_err());
        assert_eq!(short_count(10_000_000), "10M");
        assert_eq!(short_count(100_000), "100k");
        assert_eq!(short_count(8_056), "8056");
    }
}
