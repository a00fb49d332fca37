//! dwh writes to, fills and drops only the tables it created (listed in
//! `dwh_registry`); an old warehouse is adopted only on request; the demo
//! data has a database of its own; `--fresh` starts clean inside the run's
//! transaction; and the Redshift run lock (`LOCK dwh_registry`) serialises
//! writers, shown with the same SQL on PostgreSQL.

mod common;

use std::time::Duration;

use common::*;
use dwh_core::sql::{self, registry, Dialect, IfNotExists};
use dwh_core::Warehouse;

/// Everything of a database a command could change: every relation of
/// every user schema, the columns of `users` and an md5 of its rows.
async fn fingerprint(url: &str) -> String {
    let warehouse = Warehouse::connect(url, Dialect::Postgres).await.unwrap();
    let client = warehouse.client();
    let relations: Option<String> = client
        .query_one(
            "SELECT string_agg(n.nspname || '.' || c.relname || ':' || c.relkind::text, ',' \
                 ORDER BY n.nspname, c.relname) \
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') \
               AND n.nspname NOT LIKE 'pg_toast%'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    let columns: Option<String> = client
        .query_one(
            "SELECT string_agg(column_name || ' ' || data_type, ',' ORDER BY ordinal_position) \
             FROM information_schema.columns WHERE table_name = 'users'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    let rows: Option<String> = client
        .query_one(
            "SELECT md5(string_agg(u::text, '|' ORDER BY u::text)) FROM users u",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    format!("{relations:?}\n{columns:?}\n{rows:?}")
}

/// A database of an application: its own `users` table, with rows.
async fn application_db(name: &str) -> String {
    let url = fresh_db(name).await;
    let warehouse = Warehouse::connect(&url, Dialect::Postgres).await.unwrap();
    warehouse
        .client()
        .batch_execute(
            "CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL UNIQUE); \
             INSERT INTO users (email) VALUES ('ada@example.com'), ('alan@example.com');",
        )
        .await
        .unwrap();
    url
}

#[tokio::test]
async fn every_writing_command_refuses_a_table_dwh_did_not_create() {
    dwh_tests::require_sample!();
    let url = application_db("own_appdb").await;
    let before = fingerprint(&url).await;
    assert!(before.contains("public.users:r"), "{before}");
    let sample = sample().display().to_string();
    let attempts: [&[&str]; 6] = [
        &["all", "--data", &sample],
        &["all", "--data", &sample, "--fresh"],
        &["create-tables"],
        &["load", "--data", &sample],
        &["transform"],
        &["drop-tables", "--yes"],
    ];
    for args in attempts {
        let output = dwh_run(args.iter().copied().chain(["--database-url", &url]));
        let what = args.join(" ");
        assert_eq!(output.code, Some(1), "{what}:\n{}", output.all());
        output.assert_stderr_has("database `own_appdb` has table `users` that dwh did not create");
        output.assert_stderr_has("changed nothing");
        output.assert_stderr_has("--adopt");
        assert_eq!(
            fingerprint(&url).await,
            before,
            "{what} changed the database"
        );
    }
}

#[tokio::test]
async fn drop_tables_asks_first_and_drops_only_dwh_tables() {
    dwh_tests::require_sample!();
    let url = fresh_db("own_drop").await;
    let half = half_sample("own_drop_half");
    dwh_run(all_args(&url, &half, &[])).assert_success("the run");
    let warehouse = Warehouse::connect(&url, Dialect::Postgres).await.unwrap();
    warehouse
        .client()
        .batch_execute("CREATE TABLE app_notes (note text); INSERT INTO app_notes VALUES ('keep')")
        .await
        .unwrap();

    // No terminal to ask on and no --yes: refused before connecting.
    let refused = dwh_run(["drop-tables", "--database-url", &url]);
    assert_eq!(refused.code, Some(1), "{}", refused.all());
    refused.assert_stderr_has("no terminal to ask on; pass --yes");
    assert!(counts(&url).await.values().all(Option::is_some));

    let dropped = dwh_run(["drop-tables", "--yes", "--database-url", &url]);
    dropped.assert_success("drop-tables --yes");
    dropped.assert_stderr_has(
        "dwh will drop these 7 tables of database `own_drop`, with their rows: staging_events, \
         staging_songs, users, songs, artists, time, songplays",
    );
    assert!(counts(&url).await.values().all(Option::is_none));
    let notes: i64 = warehouse
        .client()
        .query_one("SELECT count(*) FROM app_notes", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(notes, 1, "a table dwh does not declare is never dropped");
    let registered: i64 = warehouse
        .client()
        .query_one("SELECT count(*) FROM dwh_registry", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(registered, 0);

    let again = dwh_run(["drop-tables", "--yes", "--database-url", &url]);
    again.assert_success("drop-tables on nothing");
    again.assert_stderr_has("nothing to drop");
}

/// Tables as the dwh release before the registry left them.
async fn old_warehouse(name: &str) -> String {
    let url = fresh_db(name).await;
    let warehouse = Warehouse::connect(&url, Dialect::Postgres).await.unwrap();
    for table in sparkify::schema().tables() {
        let ddl = sql::create_table(table, Dialect::Postgres, IfNotExists::Yes);
        warehouse.client().batch_execute(&ddl).await.unwrap();
    }
    url
}

#[tokio::test]
async fn an_old_warehouse_is_adopted_only_when_asked_and_only_if_its_columns_match() {
    dwh_tests::require_sample!();
    let url = old_warehouse("own_old").await;
    let half = half_sample("own_old_half");
    let refused = dwh_run(all_args(&url, &half, &[]));
    assert_eq!(refused.code, Some(1), "{}", refused.all());
    refused.assert_stderr_has("has tables `artists`, `songplays`, `songs`, `staging_events`");
    refused.assert_stderr_has("dwh create-tables --adopt");

    let adopted = dwh_run(["create-tables", "--adopt", "--database-url", &url]);
    adopted.assert_success("create-tables --adopt");
    adopted.assert_stderr_has("adopted 7 tables");
    dwh_run(all_args(&url, &half, &[])).assert_success("the run after adopting");

    // An application's `users` is not a warehouse table, --adopt or not.
    let app = application_db("own_adopt_app").await;
    let before = fingerprint(&app).await;
    let output = dwh_run(["create-tables", "--adopt", "--database-url", &app]);
    assert_eq!(output.code, Some(1), "{}", output.all());
    output.assert_stderr_has("cannot adopt table `users` of database `own_adopt_app`");
    output.assert_stderr_has("found:    id integer, email text");
    assert_eq!(fingerprint(&app).await, before);
}

#[tokio::test]
async fn fresh_starts_clean_and_a_failed_fresh_run_keeps_the_old_warehouse() {
    dwh_tests::require_sample!();
    let url = fresh_db("own_fresh").await;
    let reference = fresh_db("own_fresh_reference").await;
    let half = half_sample("own_fresh_half");
    dwh_run(all_args(&reference, &half, &[])).assert_success("the reference run");
    let half_counts = counts(&reference).await;

    dwh_run(all_args(&url, &sample(), &[])).assert_success("the whole sample");
    assert_eq!(counts(&url).await, sample_counts());
    // Without --fresh, the half sample adds nothing to the star schema.
    dwh_run(all_args(&url, &half, &[])).assert_success("the half sample on top");
    let star = |c: std::collections::BTreeMap<&'static str, Option<i64>>| {
        c.into_iter()
            .filter(|(t, _)| !t.starts_with("staging_"))
            .collect::<Vec<_>>()
    };
    assert_eq!(star(counts(&url).await), star(sample_counts()));

    let fresh = dwh_run(all_args(&url, &half, &["--fresh"]));
    fresh.assert_success("--fresh");
    assert_eq!(counts(&url).await, half_counts);

    // A --fresh run whose load fails leaves the warehouse as it was.
    let bad = corpus_data("own_fresh_bad", "garbage_line");
    let failed = dwh_run(all_args(&url, &bad, &["--fresh"]));
    assert_eq!(failed.code, Some(1), "{}", failed.all());
    assert_eq!(counts(&url).await, half_counts);
}

/// A local engine of the test's own (the shared test engine's default
/// database is where the harness creates test databases from): none of an
/// earlier run's files, stopped and removed when dropped.
struct OwnEngine(String);

impl OwnEngine {
    fn new(requested: String) -> OwnEngine {
        let engine = OwnEngine(requested);
        engine.remove();
        engine
    }

    /// Stops the server and removes its files, wherever they are (as root
    /// they live under /var/tmp, not in the requested directory).
    fn remove(&self) {
        dwh_run(["local", "stop", "--local-dir", &self.0]).assert_success("local stop");
        let status = dwh_core::local::LocalEngine::status(std::path::Path::new(&self.0)).unwrap();
        let _ = std::fs::remove_dir_all(status.dir);
    }
}

impl Drop for OwnEngine {
    fn drop(&mut self) {
        self.remove();
    }
}

#[tokio::test]
async fn the_demo_data_has_a_database_of_its_own() {
    dwh_tests::require_sample!();
    let dir = dwh_tests::scratch("own_demo");
    let engine = OwnEngine::new(dir.join("engine").display().to_string());
    let local_dir = engine.0.as_str();
    let reference = fresh_db("own_demo_reference").await;
    let half = half_sample("own_demo_half");
    dwh_run(all_args(&reference, &half, &[])).assert_success("the reference run");

    let generated = dwh_run(["all", "--local-dir", local_dir, "--events", "2000"]);
    generated.assert_success("the demo run");
    let half_arg = half.display().to_string();
    dwh_run(["all", "--local-dir", local_dir, "--data", &half_arg]).assert_success("the real run");

    let url = dwh_run(["local", "url", "--local-dir", local_dir]);
    url.assert_success("local url");
    let real = url.stdout.trim().to_owned();
    let demo = format!("{}_demo", real);
    // The project's own database, named after it: another project on the
    // same engine has its own, and never reads this one's load ledger.
    assert!(real.ends_with("/sparkify"), "{real}");
    let shared = format!("{}/dwh", real.rsplit_once('/').unwrap().0);
    assert!(
        counts(&shared).await.values().all(Option::is_none),
        "nothing in the engine's own database"
    );
    // The real data alone, not mixed with the generated data.
    assert_eq!(counts(&real).await, counts(&reference).await);
    generated.assert_stderr_has("demo database `sparkify_demo`");
    let demo_counts = counts(&demo).await;
    assert!(
        demo_counts.values().all(|n| n.is_some_and(|n| n > 0)),
        "{demo_counts:?}"
    );
    // The demo database is also what the other commands reach with --demo.
    dwh_run(["check", "--demo", "--local-dir", local_dir]).assert_success("check --demo");
}

/// The run lock of the Redshift path (`Warehouse::begin` on the Redshift
/// dialect: create the registry if missing, `LOCK dwh_registry`), run as
/// is on PostgreSQL: a second writer waits until the first commits.
#[tokio::test]
async fn the_redshift_run_lock_makes_a_second_writer_wait_for_the_first() {
    let url = fresh_db("own_redshift_lock").await;
    let setup = Warehouse::connect(&url, Dialect::Postgres).await.unwrap();
    setup
        .client()
        .batch_execute(&registry::create_registry())
        .await
        .unwrap();
    let mut first = Warehouse::connect(&url, Dialect::Redshift).await.unwrap();
    let second = Warehouse::connect(&url, Dialect::Redshift).await.unwrap();

    let batch = first.begin().await.unwrap();
    let (locked, mut got_lock) = tokio::sync::oneshot::channel();
    let waiter = tokio::spawn(async move {
        let mut second = second;
        let batch = second.begin().await.unwrap();
        locked.send(()).unwrap();
        batch.commit().await.unwrap();
    });
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(
        got_lock.try_recv().is_err(),
        "the second writer got the lock while the first held it"
    );
    let modes: Vec<(String, bool)> = setup
        .client()
        .query(
            "SELECT mode, granted FROM pg_locks \
             WHERE relation = 'dwh_registry'::regclass ORDER BY granted DESC",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(
        modes,
        [
            ("AccessExclusiveLock".to_owned(), true),
            ("AccessExclusiveLock".to_owned(), false)
        ]
    );
    batch.commit().await.unwrap();
    tokio::time::timeout(Duration::from_secs(30), got_lock)
        .await
        .expect("the second writer got the lock once the first committed")
        .unwrap();
    waiter.await.unwrap();
}

/// Issue 24, 2.1: on the Redshift dialect `Warehouse::begin` creates the
/// registry before `BEGIN`, committed on its own, so that `LOCK` is the
/// transaction's first statement (Redshift takes the snapshot at the
/// first CREATE TABLE: c_serial_isolation). Another session sees the
/// registry while the transaction is still open.
#[tokio::test]
async fn the_redshift_registry_is_committed_before_the_transaction_begins() {
    let url = fresh_db("own_redshift_registry_first").await;
    let other = Warehouse::connect(&url, Dialect::Postgres).await.unwrap();
    let mut writer = Warehouse::connect(&url, Dialect::Redshift).await.unwrap();
    let batch = writer.begin().await.unwrap();
    let seen: i64 = other
        .client()
        .query_one(
            "SELECT count(*) FROM pg_class WHERE relname = 'dwh_registry'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(seen, 1, "the registry is committed before BEGIN");
    batch.commit().await.unwrap();
}

/// What the Redshift target cannot do is refused up front, before the
/// configuration is even read, instead of being ignored. (`--fresh` works
/// there now: the drops run inside the one run transaction.)
#[test]
fn redshift_refuses_no_wait_before_any_work() {
    {
        let (flag, message) = (
            "--no-wait",
            "--no-wait is not available with --target redshift",
        );
        let output = dwh_run([
            "all",
            "--target",
            "redshift",
            flag,
            "--config",
            "/nonexistent/dwh.toml",
        ]);
        assert_eq!(output.code, Some(1), "{flag}:\n{}", output.all());
        output.assert_stderr_has(message);
    }
}
