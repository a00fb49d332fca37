//! `dwh doctor`: one of each statement shape the pipeline and `dwh
//! migrate` run on Redshift, rendered here and run in a scratch schema of
//! the user's own cluster, so the first user with a cluster verifies dwh's
//! SQL in one command (and can paste the result into a bug report).
//!
//! The probes use a schema of their own ([`schema`]): a staging table of
//! events and one of songs, a type-2 dimension (window functions, `UPDATE
//! … FROM`), a plain dimension (MERGE from a staged table) and a fact with a
//! lookup (its unmatched rows in a table made by `CREATE TABLE … (LIKE …)`).
//! Its run transaction is [`run_plan`](crate::sql::run_plan) itself, so a
//! change to the pipeline's SQL changes what the doctor runs.
//!
//! The CLI uploads [`files`] next to the configured data, connects, and
//! runs [`probes`] with [`run_probes`], reporting each [`Shape`]; the tests
//! snapshot and lint the probes and run the shapes PostgreSQL runs on the
//! local engine.

mod columnar;
mod probe;
mod run;
mod tables;

use crate::catalog::Schema;
use crate::migrate::catalog::{redshift_queries, scope_query, Scope};
use crate::schema::{Table, TableKind};
use crate::sql::ledger::LedgerFile;
use crate::sql::run::{load_errors_query, Action, RunStatement, Step};
use crate::sql::StagingFrom;
use crate::sql::{self, quote_ident, quote_literal, CopyError, Dialect, Parts, S3Batch, S3Copy};

pub use probe::{Expect, Probe, Shape};
pub use run::{by_shape, run_probes, Outcome, Verdict};
pub use tables::schema;

/// Where the doctor's files are in S3 and how COPY reaches them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DoctorS3 {
    /// `s3://bucket/prefix/doctor`: [`files`] are uploaded below it.
    pub prefix: String,
    /// The role attached to the cluster that COPY assumes.
    pub iam_role: String,
    /// The bucket's region.
    pub region: String,
}

/// The files the doctor's COPYs read, by key below [`DoctorS3::prefix`]:
/// each staging table's data and jsonpaths, the events as CSV in the form
/// `dwh upload` writes and as Parquet, and one bad record.
pub fn files() -> Vec<(String, Vec<u8>)> {
    let events = columnar::parquet_of(doctor_events(), tables::EVENTS)
        .expect("the doctor's events write as Parquet");
    let mut out = vec![
        (BAD_RECORD_KEY.to_owned(), tables::BAD_EVENT.into()),
        (CSV_KEY.to_owned(), tables::EVENTS_CSV.into()),
        (PARQUET_KEY.to_owned(), events),
    ];
    for table in schema().of_kind(TableKind::Staging) {
        out.push((data_key(table.name), tables::data_of(table.name).into()));
        out.push((jsonpaths_key(table.name), sql::jsonpaths(table).into()));
    }
    out
}

/// The bad record's key below [`DoctorS3::prefix`].
const BAD_RECORD_KEY: &str = "bad/doctor_events.json";

/// The CSV events' key below [`DoctorS3::prefix`].
const CSV_KEY: &str = "csv/doctor_events.csv";

/// The Parquet events' key below [`DoctorS3::prefix`].
const PARQUET_KEY: &str = "parquet/doctor_events.parquet";

fn data_key(table: &str) -> String {
    format!("data/{table}.json")
}

fn jsonpaths_key(table: &str) -> String {
    format!("jsonpaths/{table}.jsonpaths")
}

/// Every probe, in order, in the scratch schema `scratch` of `database`:
/// session, catalog, the whole run transaction, the bad record, the ALTER
/// forms, cleanup.
pub fn probes(scratch: &str, database: &str, s3: &DoctorS3) -> Result<Vec<Probe>, CopyError> {
    let schema = schema();
    let mut out = session(scratch);
    out.extend(catalog(schema, scratch, database));
    out.extend(run_transaction(schema, s3)?);
    let csv = sql::CopyFormat::Csv;
    out.push(format_copy(s3, csv, CSV_KEY, "copy events from CSV")?);
    let parquet = sql::CopyFormat::Parquet;
    out.push(format_copy(
        s3,
        parquet,
        PARQUET_KEY,
        "copy events from Parquet",
    )?);
    out.extend(bad_record(s3)?);
    out.extend(alter_forms());
    out.push(probe(
        Shape::Cleanup,
        "drop scratch schema",
        format!("DROP SCHEMA {} CASCADE", quote_ident(scratch)),
        Expect::Success,
    ));
    Ok(out)
}

fn probe(shape: Shape, label: &str, sql: String, expect: Expect) -> Probe {
    Probe {
        shape,
        label: label.to_owned(),
        sql,
        expect,
        in_transaction: false,
    }
}

/// The scratch schema, made the session's, and read back alone: Redshift
/// refuses `current_schema()` in a query that reads a table or an SVV view
/// (<https://docs.aws.amazon.com/redshift/latest/dg/r_CURRENT_SCHEMA.html>).
fn session(scratch: &str) -> Vec<Probe> {
    let name = quote_ident(scratch);
    vec![
        probe(
            Shape::Session,
            "create scratch schema",
            format!("CREATE SCHEMA {name}"),
            Expect::Success,
        ),
        probe(
            Shape::Session,
            "use scratch schema",
            format!("SET search_path TO {name}"),
            Expect::Success,
        ),
        probe(
            Shape::Session,
            "current schema",
            scope_query().to_owned(),
            Expect::Rows,
        ),
    ]
}

/// The catalog reads `dwh plan`, `dwh migrate` and the drift refusal run,
/// in the scratch schema of `database`.
fn catalog(schema: &Schema, scratch: &str, database: &str) -> Vec<Probe> {
    let names: Vec<&str> = schema.tables().iter().map(|t| t.name).collect();
    let scope = Scope {
        schema: scratch.to_owned(),
        database: database.to_owned(),
    };
    let queries = redshift_queries(&names, &scope);
    queries
        .labelled()
        .into_iter()
        .map(|(label, sql)| probe(Shape::Catalog, label, sql.to_owned(), Expect::Success))
        .collect()
}

/// The pipeline's own run transaction over the doctor's schema, its
/// staging COPYs reading [`files`].
fn run_transaction(schema: &Schema, s3: &DoctorS3) -> Result<Vec<Probe>, CopyError> {
    let batches: Vec<(&'static Table, StagingFrom)> = schema
        .of_kind(TableKind::Staging)
        .map(|table| (table, StagingFrom::S3(batch(table, s3))))
        .collect();
    let plan = sql::run_plan(schema, Dialect::Redshift, &batches, Parts::ALL)?;
    // The registry is created before BEGIN, so that LOCK opens the
    // transaction (see `sql::registry`).
    let before = plan.prepare.iter().map(|s| (s, false));
    let during = plan.transaction.iter().map(|s| (s, true));
    Ok(before
        .chain(during)
        .map(|(statement, in_transaction)| Probe {
            shape: shape_of(statement),
            label: statement.label.clone(),
            sql: statement.sql.clone(),
            expect: Expect::Success,
            in_transaction,
        })
        .collect())
}

/// The COPY of one staging table's doctor file, as one ledger file.
fn batch(table: &Table, s3: &DoctorS3) -> S3Batch {
    let run_at = chrono::DateTime::UNIX_EPOCH.naive_utc();
    S3Batch {
        copy: Some(copy_of(
            table,
            &format!("{}/{}", s3.prefix, data_key(table.name)),
            s3,
        )),
        files: vec![LedgerFile {
            key: data_key(table.name),
            size: 0,
            modified: None,
            checksum: String::new(),
            rows: 0,
        }],
        run_at,
    }
}

fn copy_of(table: &Table, from: &str, s3: &DoctorS3) -> S3Copy {
    S3Copy {
        format: sql::CopyFormat::Json,
        from: from.to_owned(),
        iam_role: s3.iam_role.clone(),
        region: s3.region.clone(),
        jsonpaths: Some(format!("{}/{}", s3.prefix, jsonpaths_key(table.name))),
        manifest: false,
        gzip: false,
        max_errors: 0,
    }
}

/// Which shape a statement of the run transaction proves.
fn shape_of(statement: &RunStatement) -> Shape {
    let sql = statement.sql.trim_start();
    match statement.step {
        Step::Lock if sql.starts_with("LOCK") => Shape::Lock,
        Step::Create if statement.label.starts_with("create unmatched") => Shape::CreateLike,
        // Registering and commenting a table belong to creating it.
        Step::Create => Shape::CreateTable,
        _ if matches!(statement.action, Action::CopiedRows(_)) => Shape::Copy,
        _ if sql.starts_with("COPY") => Shape::Copy,
        _ if sql.starts_with("MERGE") => Shape::Merge,
        _ if sql.starts_with("UPDATE") && sql.contains("\nFROM") => Shape::UpdateFrom,
        _ if sql.contains(" OVER (") => Shape::Window,
        _ => Shape::Bookkeeping,
    }
}

/// The COPY a CSV or Parquet source runs, of the events the doctor
/// uploaded at `key` in that format, after the run: it appends to the
/// staging table, which the cleanup drops. CSV in the form `dwh upload`
/// writes it (a header, quoted values, a NULL); a columnar COPY takes no
/// MAXERROR, GZIP or jsonpaths (copy-usage_notes-copy-from-columnar.html).
fn format_copy(
    s3: &DoctorS3,
    format: sql::CopyFormat,
    key: &str,
    label: &str,
) -> Result<Probe, CopyError> {
    let events = doctor_events();
    let copy = S3Copy {
        format,
        jsonpaths: None,
        ..copy_of(events, &format!("{}/{key}", s3.prefix), s3)
    };
    Ok(probe(
        Shape::Copy,
        label,
        sql::copy_from_s3(events, &copy)?,
        Expect::Success,
    ))
}

fn doctor_events() -> &'static Table {
    schema()
        .of_kind(TableKind::Staging)
        .find(|t| t.name == "doctor_events")
        .expect("the doctor's schema has doctor_events")
}

/// A COPY of a record Redshift must refuse (a `ts` that is no epoch), in
/// a transaction of its own, then its rows of `STL_LOAD_ERRORS`.
fn bad_record(s3: &DoctorS3) -> Result<Vec<Probe>, CopyError> {
    let events = doctor_events();
    let copy = copy_of(events, &format!("{}/{BAD_RECORD_KEY}", s3.prefix), s3);
    Ok(vec![
        probe(
            Shape::LoadErrors,
            "copy a bad record",
            sql::copy_from_s3(events, &copy)?,
            Expect::Failure,
        ),
        probe(
            Shape::LoadErrors,
            "load errors",
            load_errors_query(),
            Expect::Rows,
        ),
    ])
}

/// The `ALTER TABLE` forms `dwh migrate` renders, on the doctor's songs
/// dimension: add a column, widen a VARCHAR, change the distribution and
/// the sort key, comment, drop the column.
fn alter_forms() -> Vec<Probe> {
    let table = quote_ident("doctor_songs");
    let note = quote_ident("doctor_note");
    let comment = quote_literal("added by dwh doctor", Dialect::Redshift);
    [
        (
            "add column",
            format!("ALTER TABLE {table} ADD COLUMN {note} VARCHAR(16)"),
        ),
        (
            "widen column",
            format!("ALTER TABLE {table} ALTER COLUMN {note} TYPE VARCHAR(64)"),
        ),
        (
            "diststyle",
            format!("ALTER TABLE {table} ALTER DISTSTYLE EVEN"),
        ),
        (
            "sortkey",
            format!("ALTER TABLE {table} ALTER SORTKEY ({note})"),
        ),
        (
            "comment",
            format!("COMMENT ON COLUMN {table}.{note} IS {comment}"),
        ),
        (
            "drop column",
            format!("ALTER TABLE {table} DROP COLUMN {note}"),
        ),
    ]
    .into_iter()
    .map(|(label, sql)| probe(Shape::Alter, label, sql, Expect::Success))
    .collect()
}

#[cfg(test)]
mod tests;
