//! Differential execution: the Redshift dialect's ledger, star-schema,
//! unmatched and type-2 statements run on the local engine, and every table
//! they build is compared row for row with the PostgreSQL path's.
//!
//! No cluster is reachable here, but PostgreSQL 15 runs MERGE, window
//! functions and `UPDATE … FROM`, so the Redshift rendering of everything
//! after the staging COPY can run on a real engine. Two databases take the
//! same runs over the same files: one with the plan the local engine runs,
//! one with that plan's statements replaced by their Redshift rendering
//! (see [`redshift_form`]). After each run both hold the same rows, IDENTITY
//! values aside.
//!
//! What stays PostgreSQL's, and why (checked by
//! [`every_redshift_statement_is_run_or_has_a_reason`]):
//! - the catalog reads and the run lock of the `Lock` step: Redshift's read
//!   leader-node catalogs (`pg_class_info`, SVV views) PostgreSQL lacks;
//! - the DDL of the `Drop` and `Create` steps: DISTSTYLE, SORTKEY, ENCODE,
//!   BACKUP and IDENTITY are Redshift's own;
//! - the staging COPY: Redshift reads S3 (`COPY … FROM 's3://…'` and
//!   `pg_last_copy_count()`), the local engine streams the same files.
//!
//! PostgreSQL compares VARCHARs with their trailing blanks where Redshift
//! ignores them, so this test cannot see that one difference; the SQL
//! RTRIMs both sides where it matters, and the snapshots show it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use dwh_core::pipeline::{Files, Loaded};
use dwh_core::report::RunReport;
use dwh_core::run::{Run, RunError};
use dwh_core::schema::{Table, TableKind};
use dwh_core::sql::run::{Action, RunStatement, Step};
use dwh_core::sql::{self, ledger, Dialect, Parts, RunPlan, StagingFrom};
use dwh_core::{Project, Warehouse, WarehouseError};
use dwh_tests::{
    fresh_warehouse, json_files, project_sources, require_sample, sample_data, scratch,
};

/// Which rendering a run's statements take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rendering {
    Postgres,
    Redshift,
}

/// One run over `dir` on `warehouse`, its plan in the given rendering.
/// A run refused for late type-2 rows gives its message: both renderings
/// must refuse the same batch alike and change nothing.
async fn run(
    warehouse: &mut Warehouse,
    project: &Project,
    dir: &Path,
    path: Rendering,
) -> Result<Loaded, String> {
    let files = Files {
        sources: project_sources(project, dir),
        ..Files::default()
    };
    let schema = project.schema();
    let rendered = move |plan: RunPlan, staging: &[(&'static Table, StagingFrom)]| match path {
        Rendering::Postgres => plan,
        Rendering::Redshift => redshift_form(&plan, schema, staging),
    };
    let mut report = RunReport::default();
    let ran = Run::new(project, warehouse)
        .part(Parts::ALL)
        .files(files)
        .amend_plan(Box::new(rendered))
        .execute(&mut report, &mut ())
        .await;
    match ran {
        Ok(()) => Ok(Loaded {
            staging: report.staging,
            transform: report.transform,
        }),
        Err(e @ RunError::Warehouse(WarehouseError::LateHistory { .. })) => Err(e.to_string()),
        Err(e) => panic!("{path:?} run over {}: {e}", dir.display()),
    }
}

/// `plan` with every statement after the DDL in its Redshift rendering:
/// the staging step's ledger reads, emptying and ANALYZE, and the whole
/// `Refresh` and `StarSchema` steps. The local binary COPY and the ledger
/// rows it records stay (Redshift's COPY reads S3).
fn redshift_form(
    plan: &RunPlan,
    schema: &dwh_core::Schema,
    staging: &[(&'static Table, StagingFrom)],
) -> RunPlan {
    let redshift = sql::run_plan(schema, Dialect::Redshift, &[], Parts::ALL).unwrap();
    let of_step = |step: Step| -> Vec<RunStatement> {
        let rendered = redshift.transaction.iter().filter(|s| s.step == step);
        rendered.cloned().collect()
    };
    let mut out = Vec::with_capacity(plan.transaction.len());
    let mut spliced = Vec::new();
    for statement in &plan.transaction {
        match statement.step {
            step @ (Step::Refresh | Step::StarSchema) => {
                if !spliced.contains(&step) {
                    spliced.push(step);
                    out.extend(of_step(step));
                }
            }
            Step::Staging => out.push(redshift_staging(statement, staging)),
            _ => out.push(statement.clone()),
        }
    }
    RunPlan {
        dialect: plan.dialect,
        prepare: plan.prepare.clone(),
        transaction: out,
    }
}

/// A staging-step statement in its Redshift rendering, where it has one
/// the local engine can run.
fn redshift_staging(
    statement: &RunStatement,
    staging: &[(&'static Table, StagingFrom)],
) -> RunStatement {
    let redshift = Dialect::Redshift;
    let sql = match statement.action {
        Action::PendingBatch(table) => ledger::untransformed_files(table, redshift),
        Action::EmptyStaging(table) => sql::delete_all(table),
        Action::AlreadyLoaded(table) => {
            ledger::already_loaded(table, &keys_of(table, staging), redshift)
        }
        Action::Analyze(table) => sql::analyze_staging(table, redshift),
        _ => statement.sql.clone(),
    };
    RunStatement {
        sql,
        ..statement.clone()
    }
}

/// The ledger keys of this run's files of `table`.
fn keys_of<'a>(table: &Table, staging: &'a [(&'static Table, StagingFrom)]) -> Vec<&'a str> {
    staging
        .iter()
        .filter(|(t, _)| t.name == table.name)
        .flat_map(|(_, from)| match from {
            StagingFrom::Files(keys) => keys.iter().map(String::as_str).collect(),
            _ => Vec::new(),
        })
        .collect()
}

/// Every table dwh loads (star schema, unmatched rows, the ledger's
/// transformed flags), each row as text, sorted; IDENTITY columns left out.
async fn tables(warehouse: &Warehouse, project: &Project) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    for table in project.schema().tables() {
        if table.kind == TableKind::Staging {
            continue;
        }
        let columns: Vec<&str> = table.loaded_columns().map(|c| c.name).collect();
        out.insert(
            table.name.to_owned(),
            rows(warehouse, table.name, &columns).await,
        );
        if let Some(unmatched) = sql::unmatched::table_name(table) {
            let rows = rows(warehouse, &unmatched, &["*"]).await;
            out.insert(unmatched, rows);
        }
    }
    let ledger = ["staging_table", "source_file", "row_count", "transformed"];
    out.insert(
        "dwh_loaded_files".into(),
        rows(warehouse, "dwh_loaded_files", &ledger).await,
    );
    out
}

/// The rows of `table`'s `columns` (`*`: the whole row), as text, sorted.
async fn rows(warehouse: &Warehouse, table: &str, columns: &[&str]) -> Vec<String> {
    let select = if columns == ["*"] {
        "CAST(t AS TEXT)".to_owned()
    } else {
        let text: Vec<String> = columns
            .iter()
            .map(|c| format!("COALESCE(CAST(t.\"{c}\" AS TEXT), 'NULL')"))
            .collect();
        text.join(" || '|' || ")
    };
    let sql = format!("SELECT {select} FROM \"{table}\" AS t");
    let result = warehouse.client().query(&sql, &[]).await;
    let rows = result.unwrap_or_else(|e| panic!("{sql}: {e}"));
    let mut rows: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
    rows.sort();
    rows
}

/// Runs `batches` (data folders, in order) through both renderings, each
/// on a fresh database, and compares every table after every run.
async fn compare(name: &str, project: &Project, batches: &[PathBuf]) {
    let (mut local, _) = fresh_warehouse(&format!("{name}_pg")).await;
    let (mut redshift, _) = fresh_warehouse(&format!("{name}_rs")).await;
    for (n, dir) in batches.iter().enumerate() {
        let on_local = run(&mut local, project, dir, Rendering::Postgres).await;
        let on_redshift = run(&mut redshift, project, dir, Rendering::Redshift).await;
        let counts = |l: &Result<Loaded, String>| -> Result<Vec<(String, u64)>, String> {
            let loaded = l.as_ref().map_err(Clone::clone)?;
            let tables = loaded.transform.iter();
            Ok(tables.map(|t| (t.table.to_owned(), t.rows_after)).collect())
        };
        assert_eq!(
            counts(&on_local),
            counts(&on_redshift),
            "{name}: run {n}'s counts or refusal"
        );
        let (expected, actual) = (
            tables(&local, project).await,
            tables(&redshift, project).await,
        );
        assert!(
            expected.values().any(|rows| !rows.is_empty()),
            "{name}: run {n} loaded nothing"
        );
        for (table, rows) in &expected {
            assert!(
                actual[table] == *rows,
                "{name}: run {n} over {}: {table} differs between the PostgreSQL and the \
                 Redshift rendering ({} rows against {}); first differences: {:?}",
                dir.display(),
                rows.len(),
                actual[table].len(),
                first_differences(rows, &actual[table])
            );
        }
    }
}

/// Up to five rows in one list and not the other, each marked `-`/`+`.
fn first_differences(expected: &[String], actual: &[String]) -> Vec<String> {
    let missing = expected
        .iter()
        .filter(|r| !actual.contains(r))
        .map(|r| format!("-{r}"));
    let extra = actual
        .iter()
        .filter(|r| !expected.contains(r))
        .map(|r| format!("+{r}"));
    missing.chain(extra).take(5).collect()
}

/// A data folder below `root` holding copies of `files` (paths below
/// `data`), at their paths.
fn batch_dir(root: &Path, name: &str, data: &Path, files: &[&PathBuf]) -> PathBuf {
    let dir = root.join(name);
    for file in files {
        let target = dir.join(file.strip_prefix(data).unwrap());
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(file, target).unwrap();
    }
    dir
}

/// The sample split into batches: `order` lists, per batch, which log files
/// (by day, 0-based) it holds; the song files are split the same way, so
/// songs arrive late for some plays (late-arrival matching runs).
fn split_sample(name: &str, order: &[Vec<usize>]) -> Vec<PathBuf> {
    let data = sample_data();
    let root = scratch(name);
    let logs = json_files(&data.join("log_data"));
    let songs = json_files(&data.join("song_data"));
    let per_batch = songs.len().div_ceil(order.len());
    order
        .iter()
        .enumerate()
        .map(|(n, days)| {
            let mut files: Vec<&PathBuf> = days.iter().map(|d| &logs[*d]).collect();
            files.extend(songs.iter().skip(n * per_batch).take(per_batch));
            batch_dir(&root, &format!("batch-{n:02}"), &data, &files)
        })
        .collect()
}

#[tokio::test]
async fn the_sample_in_one_run() {
    require_sample!();
    compare("diff_sample", &sparkify::project(), &[sample_data()]).await;
}

#[tokio::test]
async fn the_sample_in_batches_with_late_songs() {
    require_sample!();
    let order: Vec<Vec<usize>> = (0..6).map(|b| (b * 5..b * 5 + 5).collect()).collect();
    let batches = split_sample("diff_batches", &order);
    compare("diff_batches", &sparkify::project(), &batches).await;
}

#[tokio::test]
async fn the_sample_in_batches_out_of_time_order() {
    require_sample!();
    // Days 15–29 first, then 0–14 in two batches, then day 10 again in
    // a batch of its own (a file already loaded: no new file). A batch
    // whose late rows would change users' history is refused alike.
    let order = vec![
        (15..30).collect(),
        (0..7).collect(),
        (7..15).collect(),
        vec![10],
    ];
    let batches = split_sample("diff_reordered", &order);
    compare("diff_reordered", &sparkify::project(), &batches).await;
}

/// A later batch corrects rows loaded before: every song file of the first
/// batch sent again under a new name with another year and artist
/// location. The dimensions' MERGE must update the matched rows.
#[tokio::test]
async fn a_later_batch_corrects_dimension_rows() {
    require_sample!();
    let mut batches = split_sample("diff_corrections", &[(0..15).collect(), (15..30).collect()]);
    let corrections = batches[1].join("song_data/corrections");
    std::fs::create_dir_all(&corrections).unwrap();
    for (n, file) in json_files(&batches[0].join("song_data")).iter().enumerate() {
        let mut song: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        let year = song["year"].as_i64().unwrap_or(0);
        song["year"] = (year + 1).into();
        song["artist_location"] = format!("corrected {n}").into();
        let target = corrections.join(format!("correction-{n:04}.json"));
        std::fs::write(target, song.to_string()).unwrap();
    }
    batches.push(batches[1].clone());
    compare("diff_corrections", &sparkify::project(), &batches).await;
}

/// The transaction ids that wrote each dimension's row versions, sorted.
async fn dimension_versions(
    warehouse: &Warehouse,
    project: &Project,
) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    let schema = project.schema();
    for table in schema
        .tables()
        .iter()
        .filter(|t| t.kind == TableKind::Dimension)
    {
        let sql = format!("SELECT xmin::text FROM \"{}\" ORDER BY 1", table.name);
        let rows = warehouse.client().query(&sql, &[]).await.unwrap();
        let versions = rows.iter().map(|r| r.get(0)).collect();
        out.insert(table.name.to_owned(), versions);
    }
    out
}

/// A later batch sends every song file again, unchanged, under new names:
/// each dimension row it matches equals the stored one, so neither
/// rendering rewrites any (Redshift's MERGE rewrites every matched row
/// unless its source table is first cut to the changed rows, and equal
/// tables do not show it).
#[tokio::test]
async fn a_batch_of_unchanged_songs_rewrites_no_dimension_row() {
    require_sample!();
    let (project, data) = (sparkify::project(), sample_data());
    let again = scratch("diff_resent").join("again");
    std::fs::create_dir_all(again.join("log_data")).unwrap();
    let songs = again.join("song_data/again");
    std::fs::create_dir_all(&songs).unwrap();
    for (n, file) in json_files(&data.join("song_data")).iter().enumerate() {
        std::fs::copy(file, songs.join(format!("again-{n:04}.json"))).unwrap();
    }
    for rendering in [Rendering::Postgres, Rendering::Redshift] {
        let name = format!("diff_resent_{rendering:?}").to_lowercase();
        let (mut warehouse, _) = fresh_warehouse(&name).await;
        run(&mut warehouse, &project, &data, rendering)
            .await
            .unwrap();
        let before = dimension_versions(&warehouse, &project).await;
        run(&mut warehouse, &project, &again, rendering)
            .await
            .unwrap();
        assert_eq!(
            dimension_versions(&warehouse, &project).await,
            before,
            "{rendering:?}: dimension rows rewritten by unchanged songs"
        );
    }
}

#[tokio::test]
async fn generated_data_then_a_rerun() {
    let project = sparkify::project();
    let dir = scratch("diff_generated");
    let generator = project.generator().expect("sparkify has a generator");
    generator.generate(&dir, 3_000, 7).unwrap();
    compare("diff_generated", &project, &[dir.clone(), dir]).await;
}

/// Every statement of a Redshift run either runs in the differential test
/// or belongs to a part it leaves to PostgreSQL for the reason given in the
/// module's comment: a new kind of staging statement cannot slip past it.
#[test]
fn every_redshift_staging_statement_is_run_or_s3_only() {
    for project in [sparkify::project(), flights::project()] {
        let schema = project.schema();
        let batches: Vec<_> = schema
            .of_kind(TableKind::Staging)
            .map(|table| (table, StagingFrom::S3(s3_batch(table))))
            .collect();
        let plan = sql::run_plan(schema, Dialect::Redshift, &batches, Parts::ALL).unwrap();
        let staging = plan.transaction.iter().filter(|s| s.step == Step::Staging);
        for statement in staging {
            let covered = match statement.action {
                // Rendered in Redshift's form by `redshift_staging`.
                Action::PendingBatch(_) | Action::EmptyStaging(_) => true,
                Action::AlreadyLoaded(_) | Action::Analyze(_) => true,
                // S3 only: the local engine streams the same files.
                Action::Copy(_) | Action::CopiedRows(_) => true,
                // The ledger rows: the local COPY records them in the same
                // INSERT, rendered by the executor.
                Action::Execute => statement.label.starts_with("record files"),
                _ => false,
            };
            assert!(
                covered,
                "not run by the differential test: {}",
                statement.label
            );
        }
        let star = plan
            .transaction
            .iter()
            .filter(|s| s.step == Step::StarSchema);
        assert!(star.count() > 0, "the star-schema loads are rendered");
    }
}

/// A Redshift batch of one file for `table`.
fn s3_batch(table: &Table) -> sql::S3Batch {
    let at = chrono::NaiveDate::from_ymd_opt(2018, 11, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .unwrap();
    sql::S3Batch {
        copy: Some(sql::S3Copy {
            format: sql::CopyFormat::Json,
            from: format!("s3://bucket/manifests/{}.manifest", table.name),
            iam_role: "arn:aws:iam::123456789012:role/dwh-s3-read".into(),
            region: "us-west-2".into(),
            jsonpaths: Some(format!("s3://bucket/jsonpaths/{}.jsonpaths", table.name)),
            manifest: true,
            gzip: false,
            max_errors: 0,
        }),
        files: vec![ledger::LedgerFile {
            key: format!("{}/one.json", table.name),
            size: 10,
            modified: Some(at),
            checksum: "\"abc\"".into(),
            rows: 1,
        }],
        run_at: at,
    }
}
