//! The staging loads of one size, side by side and interleaved: dwh's load
//! of the events from JSON, CSV and Parquet (each in a child process, for
//! its own peak RSS) against psql's CSV and binary `\copy` of the same
//! rows, each run in a rotated order so that none always follows another.

use std::path::{Path, PathBuf};

use crate::formats::csv_to_parquet;
use crate::load_child::{self, SourceFormat};
use crate::report::FormatLoad;
use crate::side_by_side::{events_table, Format, Psql};

/// Seconds of each side-by-side load, every run.
pub struct LoadTimes {
    /// dwh's load of each format, JSON first.
    pub formats: Vec<FormatLoad>,
    /// The ANALYZE that ends dwh's JSON load, run again alone after it.
    pub analyze: Vec<f64>,
    pub csv: Vec<f64>,
    pub binary: Vec<f64>,
}

/// The files each load reads: dwh's of each format, psql's CSV and binary.
struct Inputs {
    /// The directory dwh's load of each format reads, in [`SourceFormat::ALL`] order.
    dirs: Vec<PathBuf>,
    psql_csv: PathBuf,
    psql_binary: PathBuf,
}

/// Writes the events of the database at `psql`'s URL in every format the
/// loads read, below `out` (the JSON files are `log_data`'s own). The
/// bytes of each dwh input go into `formats`.
fn write_inputs(
    psql: &Psql,
    out: &Path,
    log_data: &Path,
    formats: &mut [FormatLoad],
    events: u64,
) -> Result<Inputs, String> {
    let io = |e: std::io::Error| e.to_string();
    let dir = |name: &str| -> Result<PathBuf, String> {
        let dir = out.join(format!("staging-{name}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(io)?;
        Ok(dir)
    };
    let (csv_dir, parquet_dir) = (dir("csv")?, dir("parquet")?);
    let csv = csv_dir.join("staging_events.csv");
    let parquet = parquet_dir.join("staging_events.parquet");
    psql.export_for_dwh(events_table(), &csv)?;
    let rows = csv_to_parquet(events_table(), &csv, &parquet)?;
    if rows != events {
        return Err(format!(
            "the CSV export holds {rows} events, `all` loaded {events}"
        ));
    }
    let size = |file: &Path| std::fs::metadata(file).map(|m| m.len()).map_err(io);
    formats[1].input_bytes = size(&csv)?;
    formats[2].input_bytes = size(&parquet)?;
    let inputs = Inputs {
        dirs: vec![log_data.to_owned(), csv_dir, parquet_dir],
        psql_csv: out.join("staging_events.csv"),
        psql_binary: out.join("staging_events.bin"),
    };
    psql.export(events_table(), &inputs.psql_csv, Format::Csv)?;
    psql.export(events_table(), &inputs.psql_binary, Format::Binary)?;
    Ok(inputs)
}

impl Inputs {
    fn remove(&self) {
        for dir in &self.dirs[1..] {
            let _ = std::fs::remove_dir_all(dir);
        }
        let _ = std::fs::remove_file(&self.psql_csv);
        let _ = std::fs::remove_file(&self.psql_binary);
    }
}

/// dwh's staging load of each format against psql's `\copy` of the same
/// rows as CSV and as binary, `runs` times, interleaved.
pub fn side_by_side(
    runs: usize,
    out: &Path,
    psql: &Psql,
    log_data: &Path,
    (events, json_bytes): (u64, u64),
) -> Result<LoadTimes, String> {
    let mut times = LoadTimes {
        formats: SourceFormat::ALL.map(FormatLoad::new).to_vec(),
        analyze: Vec::new(),
        csv: Vec::new(),
        binary: Vec::new(),
    };
    times.formats[0].input_bytes = json_bytes;
    let events = Events {
        count: events,
        fingerprint: psql.fingerprint(events_table())?,
    };
    let inputs = write_inputs(psql, out, log_data, &mut times.formats, events.count)?;
    let result = rotate(runs, psql, &inputs, &events, &mut times);
    inputs.remove();
    result.map(|()| times)
}

fn rotate(
    runs: usize,
    psql: &Psql,
    inputs: &Inputs,
    events: &Events,
    times: &mut LoadTimes,
) -> Result<(), String> {
    let turns = SourceFormat::ALL.len() + 2;
    for run in 0..runs {
        for turn in 0..turns {
            match (run + turn) % turns {
                i if i < SourceFormat::ALL.len() => {
                    dwh_turn(psql, &inputs.dirs[i], events, &mut times.formats[i])?;
                    if i == 0 {
                        let analyze = psql.analyze(events_table())?;
                        times.analyze.push(analyze);
                        eprintln!("     (ANALYZE alone {analyze:.3} s)");
                    }
                }
                i if i == SourceFormat::ALL.len() => {
                    let secs =
                        psql.copy(events_table(), &inputs.psql_csv, Format::Csv, events.count)?;
                    times.csv.push(secs);
                    eprintln!("   psql \\copy csv:         {secs:.3} s");
                }
                _ => {
                    let file = &inputs.psql_binary;
                    let secs = psql.copy(events_table(), file, Format::Binary, events.count)?;
                    times.binary.push(secs);
                    eprintln!("   psql \\copy binary:      {secs:.3} s");
                }
            }
            psql.vacuum(events_table())?;
        }
    }
    Ok(())
}

/// The events `all` loaded: their count and [`Psql::fingerprint`].
struct Events {
    count: u64,
    fingerprint: String,
}

/// One dwh load of `load`'s format from `dir`, in a child process; fails
/// unless it loaded the `events` and the table holds them, value for value.
fn dwh_turn(psql: &Psql, dir: &Path, events: &Events, load: &mut FormatLoad) -> Result<(), String> {
    let run = load_child::spawn(load.format, dir, &psql.url)?;
    let held = psql.fingerprint(events_table())?;
    if run.rows != events.count || held != events.fingerprint {
        return Err(format!(
            "dwh's {} load loaded {} events and the table holds {held}, not the {} of `all`",
            load.format.name(),
            run.rows,
            events.fingerprint
        ));
    }
    eprintln!(
        "   dwh staging load {:<8} {:.3} s, peak RSS {:.0} MB",
        format!("{}:", load.format.name()),
        run.secs,
        run.peak_rss_kib as f64 / 1024.0
    );
    load.load_s.push(run.secs);
    load.peak_rss_kib = load.peak_rss_kib.max(run.peak_rss_kib);
    Ok(())
}
