//! `dwh doctor`'s probes on the local engine: the Redshift statements of
//! every shape PostgreSQL also runs (the lock, window functions, MERGE,
//! `UPDATE … FROM`, the ledger and bookkeeping, the migrate ALTERs, the
//! scratch schema) run there over the doctor's own files, and build the
//! tables the doctor's data describes. What PostgreSQL cannot run is left
//! out by shape, each for the reason in [`local_stand_in`].

use std::sync::Arc;

use dwh_core::doctor::{
    self, by_shape, run_probes, DoctorS3, Expect, Outcome, Probe, Shape, Verdict,
};
use dwh_core::load::{LoadOptions, LocalDir, Source};
use dwh_core::schema::{Table, TableKind};
use dwh_core::Warehouse;
use dwh_tests::{fresh_warehouse, scratch};

fn s3() -> DoctorS3 {
    DoctorS3 {
        prefix: "s3://bucket/dwh/doctor".into(),
        iam_role: "arn:aws:iam::123456789012:role/dwh-s3-read".into(),
        region: "us-west-2".into(),
    }
}

const SCRATCH: &str = "dwh_doctor_test";

/// Whether the local engine runs `probe` as it is, or something stands in
/// for it: the tables are created with the PostgreSQL DDL and staging is
/// loaded from the same files by the local loader (see [`prepare`]).
fn local_stand_in(probe: &Probe) -> Option<&'static str> {
    match probe.shape {
        Shape::Catalog => Some("pg_table_def, pg_class_info and the SVV views are Redshift's"),
        Shape::CreateTable | Shape::CreateLike => Some(
            "DISTSTYLE, ENCODE, BACKUP and GETDATE() are Redshift's: the PostgreSQL DDL and \
             registry stand in",
        ),
        Shape::Copy => Some("COPY … FROM 's3://…': the local loader reads the same files"),
        Shape::Bookkeeping if probe.label.starts_with("empty ") => {
            Some("staging is emptied for its COPY: the local loader has filled it")
        }
        Shape::LoadErrors => Some("STL_LOAD_ERRORS is Redshift's"),
        Shape::Alter if matches!(probe.label.as_str(), "diststyle" | "sortkey") => {
            Some("ALTER DISTSTYLE / SORTKEY are Redshift's")
        }
        _ => None,
    }
}

/// The doctor's tables in the scratch schema, by the PostgreSQL DDL, and
/// its staging files loaded by the local loader: what the skipped CREATE
/// and COPY probes do on a cluster.
async fn prepare(warehouse: &mut Warehouse) {
    let schema = doctor::schema();
    warehouse
        .create_tables(schema)
        .await
        .expect("create tables");
    let dir = scratch("doctor_files");
    let files = doctor::files();
    let sources: Vec<(&'static Table, Arc<dyn Source>)> = schema
        .of_kind(TableKind::Staging)
        .map(|table| {
            // The file its COPY probe reads (`data/<table>.json`).
            let key = format!("data/{}.json", table.name);
            let (_, text) = files.iter().find(|(k, _)| *k == key).unwrap();
            let folder = dir.join(table.name);
            std::fs::create_dir_all(&folder).unwrap();
            std::fs::write(folder.join("part.json"), text).unwrap();
            (table, Arc::new(LocalDir::new(folder)) as Arc<dyn Source>)
        })
        .collect();
    dwh_tests::load_staging(warehouse, sources, LoadOptions::default())
        .await
        .expect("load the doctor's staging files");
}

/// The probes the local engine runs as they are, split before the cleanup.
fn local_probes() -> (Vec<Probe>, Vec<Probe>, Vec<Probe>) {
    let all = doctor::probes(SCRATCH, "dwh", &s3()).unwrap();
    let run: Vec<Probe> = all
        .into_iter()
        .filter(|p| local_stand_in(p).is_none())
        .collect();
    let session_end = run.iter().position(|p| p.shape != Shape::Session).unwrap();
    let cleanup = run.iter().position(|p| p.shape == Shape::Cleanup).unwrap();
    (
        run[..session_end].to_vec(),
        run[session_end..cleanup].to_vec(),
        run[cleanup..].to_vec(),
    )
}

fn failures(outcomes: &[Outcome]) -> Vec<String> {
    outcomes
        .iter()
        .filter(|o| o.verdict != Verdict::Passed)
        .map(|o| format!("{}: {:?}\n{}", o.probe.label, o.verdict, o.probe.sql))
        .collect()
}

async fn count(warehouse: &Warehouse, sql: &str) -> i64 {
    warehouse.client().query_one(sql, &[]).await.unwrap().get(0)
}

#[tokio::test]
async fn every_probe_postgresql_runs_passes_and_builds_the_doctors_tables() {
    let (mut warehouse, _) = fresh_warehouse("doctor_probes").await;
    let (session, run, cleanup) = local_probes();
    let mut outcomes = run_probes(warehouse.client(), &session, |_| {}).await;
    prepare(&mut warehouse).await;
    outcomes.extend(run_probes(warehouse.client(), &run, |_| {}).await);
    assert_eq!(failures(&outcomes), Vec::<String>::new());
    for shape in [
        Shape::Lock,
        Shape::Window,
        Shape::Merge,
        Shape::UpdateFrom,
        Shape::Alter,
    ] {
        assert_eq!(
            by_shape(&outcomes).get(&shape),
            Some(&Verdict::Passed),
            "{shape:?}"
        );
    }

    // The doctor's data (doctor/tables.rs): user 1 free then paid, user 2;
    // two song files; three plays, one naming a song no file has.
    let versions = "SELECT COUNT(*) FROM doctor_users WHERE user_id = 1";
    assert_eq!(count(&warehouse, versions).await, 2);
    let current = "SELECT COUNT(*) FROM doctor_users WHERE is_current";
    assert_eq!(count(&warehouse, current).await, 2);
    assert!(count(&warehouse, "SELECT COUNT(*) FROM doctor_songs").await > 0);
    assert!(count(&warehouse, "SELECT COUNT(*) FROM doctor_plays").await > 0);
    let unmatched = "SELECT COUNT(*) FROM dwh_unmatched_doctor_plays";
    assert_eq!(count(&warehouse, unmatched).await, 1);

    let last = run_probes(warehouse.client(), &cleanup, |_| {}).await;
    assert_eq!(failures(&last), Vec::<String>::new());
    let schemas = format!("SELECT COUNT(*) FROM pg_namespace WHERE nspname = '{SCRATCH}'");
    assert_eq!(
        count(&warehouse, &schemas).await,
        0,
        "scratch schema dropped"
    );
}

/// A statement of the run transaction that fails: reported with the
/// server's error, the rest of the transaction not reached and rolled
/// back, the probes after it still run, the scratch schema still dropped.
#[tokio::test]
async fn a_failing_probe_is_reported_and_the_cleanup_still_runs() {
    let (mut warehouse, _) = fresh_warehouse("doctor_fault").await;
    let (session, mut run, cleanup) = local_probes();
    let planted = run.iter().position(|p| p.shape == Shape::Merge).unwrap();
    run[planted].sql = "MERGE INTO no_such_table USING x ON TRUE WHEN MATCHED THEN DELETE".into();
    run_probes(warehouse.client(), &session, |_| {}).await;
    prepare(&mut warehouse).await;
    let mut seen = 0;
    let mut outcomes = run_probes(warehouse.client(), &run, |_| seen += 1).await;
    outcomes.extend(run_probes(warehouse.client(), &cleanup, |_| seen += 1).await);
    assert_eq!(seen, outcomes.len());

    let Verdict::Failed(why) = &outcomes[planted].verdict else {
        panic!("the planted MERGE passed: {:?}", outcomes[planted]);
    };
    assert!(
        why.contains("no_such_table") && why.contains("42P01"),
        "{why}"
    );
    let after = &outcomes[planted + 1..];
    let in_tx = after.iter().take_while(|o| o.probe.in_transaction);
    assert!(in_tx.clone().count() > 0);
    assert!(in_tx.clone().all(|o| o.verdict == Verdict::NotReached));
    let outside = after.iter().filter(|o| !o.probe.in_transaction);
    assert!(
        outside.clone().all(|o| o.verdict == Verdict::Passed),
        "{:?}",
        failures(after)
    );
    assert_eq!(
        by_shape(&outcomes).get(&Shape::Merge),
        Some(&Verdict::Failed(format!(
            "{}: {why}",
            outcomes[planted].probe.label
        )))
    );
    let plays = "SELECT COUNT(*) FROM pg_tables WHERE tablename = 'doctor_plays' AND schemaname = 'dwh_doctor_test'";
    assert_eq!(count(&warehouse, plays).await, 0, "scratch schema dropped");
}

/// The one probe that must fail passes only when it fails.
#[tokio::test]
async fn a_probe_expected_to_fail_fails_when_it_succeeds() {
    let (warehouse, _) = fresh_warehouse("doctor_expect").await;
    let probe = |expect, sql: &str| Probe {
        shape: Shape::LoadErrors,
        label: "copy a bad record".into(),
        sql: sql.into(),
        expect,
        in_transaction: false,
    };
    let probes = [
        probe(Expect::Failure, "SELECT 1"),
        probe(Expect::Failure, "SELECT no_such_column"),
        probe(Expect::Rows, "SELECT 1 WHERE FALSE"),
        probe(Expect::Rows, "SELECT 1"),
    ];
    let verdicts: Vec<Verdict> = run_probes(warehouse.client(), &probes, |_| {})
        .await
        .into_iter()
        .map(|o| o.verdict)
        .collect();
    assert_eq!(
        verdicts,
        [
            Verdict::Failed("succeeded, but must fail".into()),
            Verdict::Passed,
            Verdict::Failed("returned no row".into()),
            Verdict::Passed,
        ]
    );
}
