//! dwh's staging load of the events in one format, run in a child process
//! of the benchmark so that its peak RSS (`VmHWM`) is that load's alone.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use dwh_core::project::{Csv, Format};
use serde::{Deserialize, Serialize};

use crate::child::peak_rss_kib;
use crate::formats::NULL_AS;
use crate::side_by_side::{dwh_load, events_table};

/// The argument that makes the benchmark binary run as this child.
pub const LOAD_ARG: &str = "__load";

/// The formats dwh loads the events from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SourceFormat {
    Json,
    Csv,
    Parquet,
}

impl SourceFormat {
    pub const ALL: [SourceFormat; 3] =
        [SourceFormat::Json, SourceFormat::Csv, SourceFormat::Parquet];

    pub fn name(self) -> &'static str {
        match self {
            SourceFormat::Json => "JSON",
            SourceFormat::Csv => "CSV",
            SourceFormat::Parquet => "Parquet",
        }
    }

    fn parse(text: &str) -> Result<SourceFormat, String> {
        SourceFormat::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(text))
            .ok_or_else(|| format!("{LOAD_ARG}: unknown format `{text}`"))
    }

    /// The files of this format below the load's directory.
    fn pattern(self) -> &'static str {
        match self {
            SourceFormat::Json => "*.json",
            SourceFormat::Csv => "*.csv",
            SourceFormat::Parquet => "*.parquet",
        }
    }

    /// How dwh reads them: the CSV as [`crate::formats`] exports it.
    fn format(self) -> Format {
        match self {
            SourceFormat::Json => Format::Json,
            SourceFormat::Csv => Format::Csv(Csv::new().null_as(NULL_AS)),
            SourceFormat::Parquet => Format::Parquet,
        }
    }
}

/// What one staging load in the child took.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoadRun {
    /// Seconds of its load and commit steps.
    pub secs: f64,
    /// Rows loaded.
    pub rows: u64,
    /// Peak resident set size of the child, KiB (`VmHWM`).
    pub peak_rss_kib: u64,
}

/// Loads the `format` files below `dir` into `staging_events` of the
/// database at `url` in a child process.
pub fn spawn(format: SourceFormat, dir: &Path, url: &str) -> Result<LoadRun, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find own binary: {e}"))?;
    let output = Command::new(exe)
        .arg(LOAD_ARG)
        .arg(format.name())
        .arg(dir)
        .arg(url)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot start the {} load child: {e}", format.name()))?;
    if !output.status.success() {
        return Err(format!(
            "dwh's staging load of {} failed ({})",
            format.name(),
            output.status
        ));
    }
    serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("cannot read the {} load child's result: {e}", format.name()))
}

/// The child's `main`: `__load JSON|CSV|Parquet DIR URL`; prints a
/// [`LoadRun`] as JSON on stdout.
pub fn main(mut args: impl Iterator<Item = String>) -> Result<(), String> {
    let mut next = |what: &str| args.next().ok_or(format!("{LOAD_ARG}: missing {what}"));
    let format = SourceFormat::parse(&next("format")?)?;
    let dir = PathBuf::from(next("data dir")?);
    let url = next("database URL")?;
    // The runtime `#[tokio::main]` gives dwh: multi-threaded, a worker per core.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let (secs, rows) = runtime.block_on(dwh_load(
        &url,
        events_table(),
        &dir,
        format.pattern(),
        format.format(),
    ))?;
    let run = LoadRun {
        secs,
        rows,
        peak_rss_kib: peak_rss_kib(),
    };
    println!("{}", serde_json::to_string(&run).expect("serializes"));
    Ok(())
}
