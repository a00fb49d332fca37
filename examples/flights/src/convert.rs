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
use std::path::Path;

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
/// the same bytes.
pub fn write(files: &Files, out: &Path, size: u64) -> Result<GenSummary, GenError> {
    let mut summary = GenSummary::default();
    let (flights, codes) = flights(&files.flights, size)?;
    let n = flights.lines().count();
    emit(out, "flights", &flights, &mut summary)?;
    summary
        .lines
        .push(format!("flights: {} flights", thousands(n)));

    let mut airports = convert("airports.csv", &files.airports, AIRPORTS, |_| Ok(()))?;
    let known: HashSet<String> = csv_column(&files.airports, "faa")?.into_iter().collect();
    let inferred: Vec<&String> = codes.iter().filter(|c| !known.contains(*c)).collect();
    for code in &inferred {
        let mut line = format!("{{\"faa\":{}", serde_json::to_string(code)?);
        for (name, _) in &AIRPORTS[1..] {
            let _ = write!(line, ",\"{name}\":null");
        }
        line.push_str("}\n");
        airports.push_str(&line);
    }
    emit(out, "airports", &airports, &mut summary)?;
    let inferred: Vec<&str> = inferred.iter().map(|c| c.as_str()).collect();
    summary.lines.push(format!(
        "airports: {} airports ({} inferred: {})",
        thousands(airports.lines().count()),
        inferred.len(),
        if inferred.is_empty() {
            "none".to_owned()
        } else {
            inferred.join(", ")
        }
    ));

    let airlines = convert("airlines.csv", &files.airlines, AIRLINES, |_| Ok(()))?;
    emit(out, "airlines", &airlines, &mut summary)?;
    summary
        .lines
        .push(format!("airlines: {} carriers", airlines.lines().count()));
    Ok(summary)
}

/// The first `size` flights as JSON lines, and every airport code they use.
fn flights(csv: &[u8], size: u64) -> Result<(String, BTreeSet<String>), GenError> {
    let mut codes = BTreeSet::new();
    let mut taken = 0u64;
    let text = convert("flights.csv", csv, FLIGHTS, |record| {
        if taken == size {
            return Err(Stop.into());
        }
        taken += 1;
        codes.insert(record[12].to_owned());
        codes.insert(record[13].to_owned());
        Ok(())
    })?;
    Ok((text, codes))
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

/// Every record of `csv` as a JSON line with the columns of `spec`, in its
/// order; `each` sees a record first and may stop the conversion with
/// [`Stop`]. The header must be exactly the spec's columns.
fn convert(
    file: &str,
    csv: &[u8],
    spec: &[(&str, Kind)],
    mut each: impl FnMut(&csv::StringRecord) -> Result<(), GenError>,
) -> Result<String, GenError> {
    let mut reader = csv::Reader::from_reader(csv);
    let header: Vec<String> = reader.headers()?.iter().map(str::to_owned).collect();
    let expected: Vec<&str> = spec.iter().map(|(name, _)| *name).collect();
    if header != expected {
        return Err(format!("{file}: columns {header:?}, expected {expected:?}").into());
    }
    let mut out = String::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| format!("{file}: {e}"))?;
        match each(&record) {
            Err(e) if e.is::<Stop>() => break,
            other => other?,
        }
        out.push('{');
        for (j, ((name, kind), value)) in spec.iter().zip(record.iter()).enumerate() {
            let json = json_value(*kind, value).ok_or_else(|| {
                format!(
                    "{file} line {}: `{name}` = {value:?} is not {kind:?}",
                    i + 2
                )
            })?;
            let sep = if j == 0 { "" } else { "," };
            let _ = write!(out, "{sep}\"{name}\":{json}");
        }
        out.push_str("}\n");
    }
    Ok(out)
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

/// Writes `<out>/<dir>/<dir>.json`.
fn emit(out: &Path, dir: &str, text: &str, summary: &mut GenSummary) -> Result<(), GenError> {
    let folder = out.join(dir);
    fs::create_dir_all(&folder).map_err(|e| format!("cannot create {}: {e}", folder.display()))?;
    let path = folder.join(format!("{dir}.json"));
    fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    summary.files += 1;
    summary.bytes += text.len() as u64;
    Ok(())
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
