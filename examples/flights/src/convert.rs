//! The sdist's CSV files → JSON lines, one folder per staging source.
//!
//! What the conversion changes (PROVENANCE.md says the same):
//! - `NA` becomes JSON `null`; numbers become JSON numbers.
//! - `time_hour` (`2013-01-01T10:00:00Z`, UTC) is written
//!   `2013-01-01 10:00:00`, still UTC: a form both COPY and the local
//!   loader read as a TIMESTAMP without reinterpreting a zone.
//! - Only the first `size` flights, in file order, are kept.
//! - Airport codes the kept flights use but airports.csv lacks (SJU, BQN,
//!   STT, PSE: the FAA list covers the 50 states only) get a row with
//!   just `faa`: an inferred member, so every flight finds its airports.

use std::collections::{BTreeSet, HashSet};
use std::fmt::Write as _;
use std::fs;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use dwh_core::project::{GenError, GenSummary};

use crate::sdist::Files;

/// How a CSV column is written to JSON.
#[derive(Clone, Copy)]
enum Kind {
    Int,
    Float,
    Text,
    /// `YYYY-MM-DDTHH:MM:SSZ` → `YYYY-MM-DD HH:MM:SS` (UTC).
    UtcTimestamp,
}

use Kind::*;

const FLIGHTS: &[(&str, Kind)] = &[
    ("year", Int),
    ("month", Int),
    ("day", Int),
    ("dep_time", Int),
    ("sched_dep_time", Int),
    ("dep_delay", Int),
    ("arr_time", Int),
    ("sched_arr_time", Int),
    ("arr_delay", Int),
    ("carrier", Text),
    ("flight", Int),
    ("tailnum", Text),
    ("origin", Text),
    ("dest", Text),
    ("air_time", Int),
    ("distance", Int),
    ("hour", Int),
    ("minute", Int),
    ("time_hour", UtcTimestamp),
];

const AIRPORTS: &[(&str, Kind)] = &[
    ("faa", Text),
    ("name", Text),
    ("lat", Float),
    ("lon", Float),
    ("alt", Int),
    ("tz", Int),
    ("dst", Text),
    ("tzone", Text),
];

const AIRLINES: &[(&str, Kind)] = &[("carrier", Text), ("name", Text)];

/// Writes `flights/flights.json`, `airports/airports.json` and
/// `airlines/airlines.json` below `out`: the same files and `size` give
/// the same bytes. The flights stream from the zip to their file.
pub fn write(files: &Files, out: &Path, size: u64) -> Result<GenSummary, GenError> {
    let mut summary = GenSummary::default();
    let mut zip = files.flights_zip()?;
    let mut file = JsonFile::create(out, "flights")?;
    let (n, codes) = flights(zip.flights_csv()?, size, &mut file.writer)?;
    file.finish(&mut summary)?;
    summary
        .lines
        .push(format!("flights: {} flights", thousands(n)));

    let mut file = JsonFile::create(out, "airports")?;
    let w = &mut file.writer;
    let listed = convert("airports.csv", &*files.airports, AIRPORTS, w, |_| Ok(()))?;
    let known: HashSet<String> = csv_column(&files.airports, "faa")?.into_iter().collect();
    let inferred: Vec<&str> = codes
        .iter()
        .filter(|c| !known.contains(*c))
        .map(String::as_str)
        .collect();
    for code in &inferred {
        let mut line = format!("{{\"faa\":{}", serde_json::to_string(code)?);
        for (name, _) in &AIRPORTS[1..] {
            let _ = write!(line, ",\"{name}\":null");
        }
        line.push_str("}\n");
        file.writer
            .write_all(line.as_bytes())
            .map_err(|e| file.error(e))?;
    }
    file.finish(&mut summary)?;
    summary.lines.push(format!(
        "airports: {} airports ({} inferred: {})",
        thousands(listed + inferred.len()),
        inferred.len(),
        if inferred.is_empty() {
            "none".to_owned()
        } else {
            inferred.join(", ")
        }
    ));

    let mut file = JsonFile::create(out, "airlines")?;
    let w = &mut file.writer;
    let n = convert("airlines.csv", &*files.airlines, AIRLINES, w, |_| Ok(()))?;
    file.finish(&mut summary)?;
    summary.lines.push(format!("airlines: {n} carriers"));
    Ok(summary)
}

/// Writes the first `size` flights as JSON lines; their number, and every
/// airport code they use.
fn flights(
    csv: impl Read,
    size: u64,
    out: &mut impl Write,
) -> Result<(usize, BTreeSet<String>), GenError> {
    let mut codes = BTreeSet::new();
    let mut taken = 0u64;
    let n = convert("flights.csv", csv, FLIGHTS, out, |record| {
        if taken == size {
            return Err(Stop.into());
        }
        taken += 1;
        codes.insert(record[12].to_owned());
        codes.insert(record[13].to_owned());
        Ok(())
    })?;
    Ok((n, codes))
}

/// Ends a conversion early (enough rows).
#[derive(Debug)]
struct Stop;

impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("stop")
    }
}

impl std::error::Error for Stop {}

/// Writes every record of `csv` to `out` as a JSON line with the columns
/// of `spec`, in its order, and returns how many; `each` sees a record
/// first and may stop the conversion with [`Stop`]. The header must be
/// exactly the spec's columns.
fn convert(
    file: &str,
    csv: impl Read,
    spec: &[(&str, Kind)],
    out: &mut impl Write,
    mut each: impl FnMut(&csv::StringRecord) -> Result<(), GenError>,
) -> Result<usize, GenError> {
    let mut reader = csv::Reader::from_reader(csv);
    let header: Vec<String> = reader.headers()?.iter().map(str::to_owned).collect();
    let expected: Vec<&str> = spec.iter().map(|(name, _)| *name).collect();
    if header != expected {
        return Err(format!("{file}: columns {header:?}, expected {expected:?}").into());
    }
    let mut line = String::new();
    let mut written = 0;
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| format!("{file}: {e}"))?;
        match each(&record) {
            Err(e) if e.is::<Stop>() => break,
            other => other?,
        }
        line.clear();
        line.push('{');
        for (j, ((name, kind), value)) in spec.iter().zip(record.iter()).enumerate() {
            let json = json_value(*kind, value).ok_or_else(|| {
                format!(
                    "{file} line {}: `{name}` = {value:?} is not {kind:?}",
                    i + 2
                )
            })?;
            let sep = if j == 0 { "" } else { "," };
            let _ = write!(line, "{sep}\"{name}\":{json}");
        }
        line.push_str("}\n");
        out.write_all(line.as_bytes())
            .map_err(|e| format!("writing the JSON of {file}: {e}"))?;
        written += 1;
    }
    Ok(written)
}

impl std::fmt::Debug for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Int => "an integer",
            Float => "a number",
            Text => "text",
            UtcTimestamp => "a UTC timestamp (YYYY-MM-DDTHH:MM:SSZ)",
        })
    }
}

/// One CSV value as JSON text; `NA` is null.
fn json_value(kind: Kind, value: &str) -> Option<String> {
    if value == "NA" {
        return Some("null".to_owned());
    }
    match kind {
        Int => value.parse::<i64>().ok().map(|v| v.to_string()),
        Float => value
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .map(|v| serde_json::Value::from(v).to_string()),
        Text => serde_json::to_string(value).ok(),
        UtcTimestamp => chrono::NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%SZ")
            .ok()
            .map(|t| format!("\"{}\"", t.format("%Y-%m-%d %H:%M:%S"))),
    }
}

/// The values of one column.
fn csv_column(csv: &[u8], name: &str) -> Result<Vec<String>, GenError> {
    let mut reader = csv::Reader::from_reader(csv);
    let at = reader
        .headers()?
        .iter()
        .position(|h| h == name)
        .ok_or_else(|| format!("no column `{name}`"))?;
    reader
        .records()
        .map(|r| Ok(r?.get(at).unwrap_or_default().to_owned()))
        .collect()
}

/// `<out>/<dir>/<dir>.json`, being written.
struct JsonFile {
    path: PathBuf,
    writer: BufWriter<fs::File>,
}

impl JsonFile {
    fn create(out: &Path, dir: &str) -> Result<Self, GenError> {
        let folder = out.join(dir);
        fs::create_dir_all(&folder)
            .map_err(|e| format!("cannot create {}: {e}", folder.display()))?;
        let path = folder.join(format!("{dir}.json"));
        let file =
            fs::File::create(&path).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        Ok(JsonFile {
            path,
            writer: BufWriter::new(file),
        })
    }

    fn error(&self, e: std::io::Error) -> String {
        format!("cannot write {}: {e}", self.path.display())
    }

    /// Flushes the file and counts it in `summary`.
    fn finish(mut self, summary: &mut GenSummary) -> Result<(), GenError> {
        self.writer.flush().map_err(|e| self.error(e))?;
        let bytes = fs::metadata(&self.path).map_err(|e| self.error(e))?.len();
        summary.files += 1;
        summary.bytes += bytes;
        Ok(())
    }
}

/// `336776` → `336,776`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
