//! `dwh doctor` against moto (cluster, role, bucket) with the real local
//! PostgreSQL engine as the cluster's SQL endpoint, as in
//! `aws_incremental.rs`. PostgreSQL refuses the Redshift-only statements
//! (DISTSTYLE, the SVV views, COPY from S3), which is what this test
//! needs: the report names each shape with the server's own error, the
//! run transaction stops at its first failure, and the scratch schema and
//! the uploaded files are removed all the same. That every statement
//! PostgreSQL can run passes is `tests/doctor.rs`.

mod aws_support;

use aws_support::{
    cluster_endpoint, create_bucket, env_refs, runtime, scratch, LocalEngine, Moto, CONFIG,
};

#[test]
fn the_doctor_reports_each_shape_and_leaves_nothing_behind() {
    let moto = Moto::start();
    let dir = scratch("doctor");
    std::fs::write(dir.join("dwh.toml"), CONFIG).unwrap();
    moto.dwh(&dir, &["provision"]).ok();
    let rt = runtime();
    let s3 = moto.s3();
    create_bucket(&rt, &s3, "dwh-it-data");

    let engine = dir.join("engine");
    let _guard = LocalEngine {
        moto: &moto,
        dir: &dir,
        engine: engine.clone(),
    };
    let engine_arg = engine.to_str().unwrap();
    let url = moto
        .dwh(&dir, &["local", "url", "--local-dir", engine_arg])
        .ok()
        .stdout;
    let pg: tokio_postgres::Config = url.trim().parse().unwrap();
    let vars = cluster_endpoint(&pg);
    let env = env_refs(&vars);

    let run = moto.dwh_env(&dir, &["doctor", "--target", "redshift"], &env);
    let report = run.stdout.clone();
    let run = run.code(2);
    assert_report_on_postgresql(&report);
    assert!(run.stderr.contains("statements failed"), "{}", run.stderr);

    // Nothing left: no scratch schema in the "cluster", no file in S3.
    rt.block_on(async {
        let (client, connection) = pg.connect(tokio_postgres::NoTls).await.unwrap();
        tokio::spawn(connection);
        let schemas = client
            .query_one(
                "SELECT COUNT(*) FROM pg_namespace WHERE nspname LIKE 'dwh_doctor_%'",
                &[],
            )
            .await
            .unwrap();
        assert_eq!(schemas.get::<_, i64>(0), 0, "scratch schema left behind");
    });
    let listed = rt
        .block_on(s3.list_objects_v2().bucket("dwh-it-data").send())
        .unwrap();
    let left: Vec<_> = listed.contents().iter().filter_map(|o| o.key()).collect();
    assert!(left.is_empty(), "files left behind: {left:?}");
}

/// What the doctor's report says of PostgreSQL standing in for a cluster.
fn assert_report_on_postgresql(report: &str) {
    // Every shape has its line; the session ones pass on PostgreSQL too.
    for line in [
        "✔ scratch schema, current_schema() alone",
        "✔ scratch schema dropped",
        // The catalog reads fail with the server's own error and code.
        "✘ catalog reads",
        "(42P01)",
        // The run transaction stops at its first failure (a Redshift-only
        // CREATE TABLE), the rest of it not reached.
        "✘ CREATE TABLE with DISTSTYLE",
        "– MERGE from a staged table: not reached",
        // Each failed statement is printed with its SQL for a bug report.
        "-- create doctor_events failed",
    ] {
        assert!(report.contains(line), "{line:?} missing:\n{report}");
    }
}

/// The doctor checks a cluster; the local engine is refused before any
/// work, saying why.
#[test]
fn the_doctor_refuses_the_local_target() {
    let moto = Moto::start();
    let dir = scratch("doctor_local");
    let run = moto.dwh(&dir, &["doctor", "--target", "local"]).code(1);
    assert!(
        run.stderr.contains("checks a Redshift cluster"),
        "{}",
        run.stderr
    );
}
