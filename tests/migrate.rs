//! `dwh migrate` against the real engine: an old version of a table is
//! created and filled, the plan against the new struct is applied, and
//! then the live schema equals the struct and every row survived (count
//! and checksum of the kept columns before and after).

use std::path::{Path, PathBuf};

use dwh_core::catalog::Schema;
use dwh_core::migrate::{LiveTable, TableAction};
use dwh_core::schema::{Column, DistStyle, SqlType, Table, TableKind};
use dwh_core::sql::Dialect;
use dwh_core::Warehouse;
use dwh_tests::{fresh_warehouse, json_files, sample_data, scratch};

const ID: Column = Column {
    nullable: false,
    ..Column::new("user_id", SqlType::Integer)
};
const NAME: Column = Column::new("name", SqlType::Varchar(16));

const fn people(columns: &'static [Column]) -> Table {
    Table {
        name: "people",
        rust_name: "Person",
        kind: TableKind::Staging,
        columns,
        dist_style: DistStyle::Auto,
        dist_key: None,
        sort_key: None,
        natural_key: &[],
        primary_key: &[],
        history: None,
        load: None,
        doc: "",
    }
}

static OLD: Table = people(&[ID, NAME]);

/// A fresh database with `old` created by dwh and 1000 rows in it.
async fn old_warehouse(name: &str, old: &'static Table) -> Warehouse {
    let (warehouse, _) = fresh_warehouse(name).await;
    let schema = Schema::new([old]).unwrap();
    warehouse.create_tables(&schema).await.unwrap();
    warehouse
        .client()
        .batch_execute(
            "INSERT INTO people (user_id, name) \
             SELECT i, CASE WHEN i % 7 = 0 THEN NULL ELSE 'user ' || i END \
             FROM generate_series(1, 1000) AS i",
        )
        .await
        .unwrap();
    warehouse
}

/// Row count and an md5 over every row's id and name, in id order.
async fn fingerprint(warehouse: &Warehouse) -> (i64, String) {
    let row = warehouse
        .client()
        .query_one(
            "SELECT COUNT(*), md5(string_agg(user_id::text || '|' || COALESCE(name, '-'), ',' \
             ORDER BY user_id)) FROM people",
            &[],
        )
        .await
        .unwrap();
    (row.get(0), row.get(1))
}

/// Plans, migrates (one transaction, then what must run outside it) and
/// checks the live table is the struct and the rows are the same; the plan.
async fn migrate(warehouse: &mut Warehouse, new: &'static Table) -> dwh_core::migrate::TablePlan {
    let before = fingerprint(warehouse).await;
    let schema = Schema::new([new]).unwrap();
    let plan = warehouse.plan(&schema).await.unwrap();
    assert_eq!(plan.differing(), ["people"], "{plan:#?}");
    let batch = warehouse.begin().await.unwrap();
    batch.migrate(&schema, &plan).await.unwrap();
    batch.commit().await.unwrap();
    warehouse.migrate_outside(&plan).await.unwrap();
    let mut live = warehouse.live_tables(&schema).await.unwrap();
    // Grants are carried over, not declared.
    live.iter_mut().for_each(|t| t.grants.clear());
    assert_eq!(live, [LiveTable::declared(new, Dialect::Postgres)]);
    assert!(warehouse.plan(&schema).await.unwrap().is_empty());
    assert_eq!(fingerprint(warehouse).await, before, "rows changed");
    plan.tables.into_iter().next().unwrap()
}

static ADDED: Table = people(&[
    ID,
    NAME,
    Column {
        nullable: false,
        ..Column::new("plays", SqlType::BigInt)
    },
    Column::new("country", SqlType::Varchar(32)),
]);

#[tokio::test]
async fn add_columns_fills_existing_rows() {
    let mut warehouse = old_warehouse("migrate_add", &OLD).await;
    let plan = migrate(&mut warehouse, &ADDED).await;
    assert_eq!(plan.action, TableAction::Alter);
    let zeros: i64 = warehouse
        .client()
        .query_one(
            "SELECT COUNT(*) FROM people WHERE plays = 0 AND country IS NULL",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(zeros, 1000);
}

static WIDER: Table = people(&[ID, Column::new("name", SqlType::Varchar(64))]);

#[tokio::test]
async fn widen_a_varchar() {
    let mut warehouse = old_warehouse("migrate_widen", &OLD).await;
    let plan = migrate(&mut warehouse, &WIDER).await;
    assert_eq!(plan.steps.len(), 1, "{plan:#?}");
    // The new width takes what the old refused.
    warehouse
        .client()
        .batch_execute(&format!(
            "INSERT INTO people (user_id, name) VALUES (0, '{}')",
            "x".repeat(64)
        ))
        .await
        .unwrap();
}

static BIGGER: Table = people(&[
    Column {
        nullable: false,
        ..Column::new("user_id", SqlType::BigInt)
    },
    NAME,
]);

#[tokio::test]
async fn change_a_column_type() {
    let mut warehouse = old_warehouse("migrate_retype", &OLD).await;
    let plan = migrate(&mut warehouse, &BIGGER).await;
    assert_eq!(plan.action, TableAction::Alter);
}

static WITH_ID: Table = people(&[
    Column {
        nullable: false,
        identity: true,
        ..Column::new("person_id", SqlType::BigInt)
    },
    ID,
    NAME,
]);
static REORDERED: Table = people(&[
    Column {
        nullable: false,
        identity: true,
        ..Column::new("person_id", SqlType::BigInt)
    },
    Column::new("country", SqlType::Varchar(32)),
    ID,
    Column::new("name", SqlType::Varchar(64)),
]);

/// A column inserted before others cannot be added in place: the table is
/// rebuilt, IDENTITY values kept and its sequence continued.
#[tokio::test]
async fn deep_copy_keeps_rows_and_identity() {
    let mut warehouse = old_warehouse("migrate_deep_copy", &WITH_ID).await;
    // A reader's grant: the rebuilt table grants it again.
    warehouse
        .client()
        .batch_execute(
            "DO $$ BEGIN CREATE ROLE migrate_reader; \
             EXCEPTION WHEN duplicate_object THEN NULL; END $$; \
             GRANT SELECT ON people TO migrate_reader",
        )
        .await
        .unwrap();
    let ids_before: i64 = sum_ids(&warehouse).await;
    let plan = migrate(&mut warehouse, &REORDERED).await;
    assert_eq!(plan.action, TableAction::DeepCopy);
    assert_eq!(sum_ids(&warehouse).await, ids_before);
    let next: i64 = warehouse
        .client()
        .query_one(
            "INSERT INTO people (user_id) VALUES (5000) RETURNING person_id",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(next, 1001, "the sequence continues after the copied ids");
    let granted: bool = warehouse
        .client()
        .query_one(
            "SELECT has_table_privilege('migrate_reader', 'people', 'SELECT')",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert!(granted, "the grant survives the deep copy");
}

async fn sum_ids(warehouse: &Warehouse) -> i64 {
    warehouse
        .client()
        .query_one("SELECT SUM(person_id)::int8 FROM people", &[])
        .await
        .unwrap()
        .get(0)
}

static DOCUMENTED: Table = Table {
    doc: "People who use the app.",
    ..people(&[
        ID,
        Column {
            doc: "Their display name.",
            ..NAME
        },
    ])
};

#[tokio::test]
async fn doc_comments_become_comments() {
    let mut warehouse = old_warehouse("migrate_comments", &OLD).await;
    let plan = migrate(&mut warehouse, &DOCUMENTED).await;
    assert!(plan.steps.iter().all(|s| s.sql.starts_with("COMMENT ON")));
    let comment: String = warehouse
        .client()
        .query_one(
            "SELECT obj_description('people'::regclass, 'pg_class')",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(comment, "People who use the app.");
}

/// A table created from a documented struct carries its comments: the
/// normal create path, and nothing to plan afterwards.
#[tokio::test]
async fn created_tables_carry_their_comments() {
    let (warehouse, _) = fresh_warehouse("migrate_created_comments").await;
    let schema = Schema::new([&DOCUMENTED]).unwrap();
    warehouse.create_tables(&schema).await.unwrap();
    assert!(warehouse.plan(&schema).await.unwrap().is_empty());
}

static NULLABLE_ID_NO_NAME: Table = people(&[Column::new("user_id", SqlType::Integer)]);

/// Destructive steps run too when asked: a dropped column (its values go,
/// the other columns' stay) and NOT NULL lifted.
#[tokio::test]
async fn drop_a_column_and_allow_null() {
    let mut warehouse = old_warehouse("migrate_drop", &OLD).await;
    let ids = sum_user_ids(&warehouse).await;
    let schema = Schema::new([&NULLABLE_ID_NO_NAME]).unwrap();
    let plan = warehouse.plan(&schema).await.unwrap();
    assert_eq!(plan.destructive().len(), 1, "{plan:#?}");
    let batch = warehouse.begin().await.unwrap();
    batch.migrate(&schema, &plan).await.unwrap();
    batch.commit().await.unwrap();
    let live = warehouse.live_tables(&schema).await.unwrap();
    assert_eq!(
        live,
        [LiveTable::declared(&NULLABLE_ID_NO_NAME, Dialect::Postgres)]
    );
    assert_eq!(sum_user_ids(&warehouse).await, ids);
}

async fn sum_user_ids(warehouse: &Warehouse) -> (i64, i64) {
    let row = warehouse
        .client()
        .query_one("SELECT COUNT(*), SUM(user_id)::int8 FROM people", &[])
        .await
        .unwrap();
    (row.get(0), row.get(1))
}

static NARROW: Table = people(&[ID, Column::new("name", SqlType::Varchar(6))]);

/// A narrower VARCHAR than the data holds fails the migration instead of
/// cutting values, and the transaction leaves the table as it was.
#[tokio::test]
async fn narrowing_below_the_data_fails_and_changes_nothing() {
    let mut warehouse = old_warehouse("migrate_narrow", &OLD).await;
    let before = fingerprint(&warehouse).await;
    let schema = Schema::new([&NARROW]).unwrap();
    let plan = warehouse.plan(&schema).await.unwrap();
    let batch = warehouse.begin().await.unwrap();
    let error = batch.migrate(&schema, &plan).await.unwrap_err();
    assert!(
        error.to_string().contains("migrating table `people`"),
        "{error}"
    );
    drop(batch);
    assert_eq!(fingerprint(&warehouse).await, before);
    let live = warehouse.live_tables(&schema).await.unwrap();
    assert_eq!(live, [LiveTable::declared(&OLD, Dialect::Postgres)]);
}

/// Runs `dwh all` over `dir` as the CLI does (batch from the ledger, the
/// plan, the checks, which must pass).
async fn run_sparkify(warehouse: &mut Warehouse, dir: &Path) {
    let project = sparkify::project();
    let report = dwh_tests::run_dir(warehouse, &project, dir, Default::default())
        .await
        .expect("the run");
    dwh_tests::assert_checks_passed(&report);
}

/// A directory holding `logs` of the sample's log files and every song
/// file, linked with their paths below the sample.
fn sample_part(name: &str, logs: &[PathBuf]) -> PathBuf {
    let data = sample_data();
    let dir = scratch(name);
    for file in logs.iter().chain(&json_files(&data.join("song_data"))) {
        let target = dir.join(file.strip_prefix(&data).unwrap());
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(file, target).unwrap();
    }
    dir
}

const UNMATCHED: &str = "dwh_unmatched_songplays";

/// The unmatched rows over every column but `user_agent`, as text, sorted.
async fn unmatched_rows(warehouse: &Warehouse) -> Vec<String> {
    let columns: Vec<String> = sparkify::schema()
        .table("staging_events")
        .unwrap()
        .columns
        .iter()
        .filter(|c| c.name != "user_agent")
        .map(|c| format!("COALESCE(\"{}\"::text, '-')", c.name))
        .collect();
    let sql = format!(
        "SELECT concat_ws('|', {}) FROM {UNMATCHED}",
        columns.join(", ")
    );
    let rows = warehouse.client().query(&sql, &[]).await.unwrap();
    let mut rows: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
    rows.sort();
    rows
}

/// An older `staging_events` (no `user_agent`, `location` as narrow as its
/// longest value) and the unmatched-rows table created LIKE it then.
const OLDER_STAGING: &str = "DO $$ DECLARE width int; BEGIN \
     SELECT GREATEST(MAX(length(location)), 1) INTO width FROM \
     (SELECT location FROM staging_events UNION ALL \
      SELECT location FROM dwh_unmatched_songplays) AS l; \
     EXECUTE format('ALTER TABLE staging_events DROP COLUMN user_agent, \
       ALTER COLUMN location TYPE VARCHAR(%s)', width); \
     EXECUTE format('ALTER TABLE dwh_unmatched_songplays DROP COLUMN user_agent, \
       ALTER COLUMN location TYPE VARCHAR(%s)', width); END $$";

/// A warehouse loaded with late plays kept (`dwh_unmatched_songplays`),
/// its staging table then migrated (a column added, one widened): the
/// unmatched-rows table gets the same changes with its rows, and the next
/// run, which keeps its unmatched plays there, succeeds.
#[tokio::test]
async fn the_unmatched_rows_follow_their_staging_table() {
    if !dwh_tests::sample_present("the_unmatched_rows_follow_their_staging_table") {
        return;
    }
    let logs = json_files(&sample_data().join("log_data"));
    let (first, second) = logs.split_at(logs.len() / 2);
    let (mut warehouse, _) = fresh_warehouse("migrate_unmatched").await;
    run_sparkify(&mut warehouse, &sample_part("migrate_unmatched_1", first)).await;
    warehouse
        .client()
        .batch_execute(OLDER_STAGING)
        .await
        .unwrap();
    let kept = unmatched_rows(&warehouse).await;
    assert!(!kept.is_empty(), "the first half leaves unmatched plays");

    let schema = sparkify::schema();
    let plan = warehouse.plan(&schema).await.unwrap();
    assert_eq!(plan.differing(), ["staging_events", UNMATCHED], "{plan:#?}");
    let batch = warehouse.begin().await.unwrap();
    batch.migrate(&schema, &plan).await.unwrap();
    batch.commit().await.unwrap();
    warehouse.migrate_outside(&plan).await.unwrap();
    assert!(warehouse.plan(&schema).await.unwrap().is_empty());
    assert_eq!(unmatched_rows(&warehouse).await, kept, "rows changed");

    run_sparkify(&mut warehouse, &sample_part("migrate_unmatched_2", second)).await;
    let after = unmatched_rows(&warehouse).await;
    assert!(
        after.len() > kept.len(),
        "the second half keeps late plays too"
    );
    let mut missing = kept.clone();
    missing.retain(|row| after.binary_search(row).is_err());
    assert_eq!(missing, Vec::<String>::new(), "unmatched rows lost");
}
