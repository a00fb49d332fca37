//! The whole `dwh all --target redshift` run as SQL, in the order it runs,
//! so that dwh-cli only executes it and the lint test sees every statement:
//!
//! 1. one transaction: `BEGIN`, the run lock, `CREATE TABLE IF NOT EXISTS`,
//!    per staging table `DELETE` + `COPY` + `ANALYZE`, the star-schema
//!    loads, `COMMIT`;
//! 2. the data-quality checks, then the analyses (read only);
//! 3. on a failed COPY, the lookup of that COPY's load errors.
//!
//! No statement takes a bind parameter: Redshift infers parameter types
//! differently from PostgreSQL, so values are rendered as validated
//! literals ([`Limit`](super::Limit)).

use super::checks::{self, CheckQuery};
use super::copy::{copy_from_s3, CopyError, S3Copy};
use super::ddl::{analyze_table, count_rows, create_table, delete_all, IfNotExists};
use super::registry::{self, Origin};
use super::transform::load_statements;
use super::Dialect;
use crate::catalog::Schema;
use crate::schema::Table;

/// The part of the run transaction a statement belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    /// `BEGIN`.
    Begin,
    /// Serialises concurrent runs; see [`lock_statements`].
    Lock,
    /// `CREATE TABLE IF NOT EXISTS` and registration of each declared table.
    Create,
    /// Each staging table emptied with `DELETE`, COPYed from S3, counted and analysed.
    Staging,
    /// Dimension and fact loads from staging, with row counts before and after.
    StarSchema,
    /// `COMMIT`.
    Commit,
}

/// How the executor runs a statement and what it reads back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Run for its effect.
    Execute,
    /// A COPY into the table: when it fails, roll back and run
    /// [`RedshiftRun::load_errors`].
    Copy(&'static Table),
    /// Names of the declared tables (and the registry) that exist: the
    /// first half of the ownership check.
    ExistingTables,
    /// Names in the registry: every existing declared table must be one,
    /// or the run stops before any change (`WarehouseError::NotOwned`).
    RegisteredTables,
    /// One row, one BIGINT: the rows the COPY just loaded into the table.
    CopiedRows(&'static Table),
    /// One row, one BIGINT: the table's rows before its load.
    RowsBefore(&'static Table),
    /// One row, one BIGINT: the table's rows after its load.
    RowsAfter(&'static Table),
}

/// One statement of the run transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunStatement {
    /// The part of the run it belongs to.
    pub step: Step,
    /// How to run it.
    pub action: Action,
    /// `copy staging_events`, `load users #2`: for snapshots and errors.
    pub label: String,
    /// The statement.
    pub sql: String,
}

/// A titled read-only query run after the checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnalysisQuery {
    /// Title shown above its result.
    pub title: String,
    /// The query.
    pub sql: String,
}

/// Every statement of a Redshift run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedshiftRun {
    /// `BEGIN` … `COMMIT`: the warehouse changes all at once or not at all.
    pub transaction: Vec<RunStatement>,
    /// Data-quality checks, run after the commit.
    pub checks: Vec<CheckQuery>,
    /// The project's analyses, run after the checks.
    pub analyses: Vec<AnalysisQuery>,
    /// The rows of `STL_LOAD_ERRORS` for the session's last COPY; see
    /// [`load_errors_query`].
    pub load_errors: String,
}

/// Load errors listed at most.
pub const MAX_LOAD_ERRORS: u32 = 20;

/// Renders the run: `copies` pairs each staging table with where its COPY
/// reads; `analyses` are `(title, sql)` of the project's queries.
pub fn redshift_run(
    schema: &Schema,
    copies: &[(&'static Table, S3Copy)],
    analyses: Vec<(String, String)>,
    check_examples: u32,
) -> Result<RedshiftRun, CopyError> {
    let mut tx = vec![stmt(Step::Begin, Action::Execute, "begin", "BEGIN".into())];
    tx.extend(lock_statements(schema));
    for table in schema.tables() {
        let ddl = create_table(table, Dialect::Redshift, IfNotExists::Yes);
        tx.push(stmt(Step::Create, Action::Execute, "create", ddl).on(table));
        let register = registry::register_if_new(table.name, Origin::Created, Dialect::Redshift);
        tx.push(stmt(Step::Create, Action::Execute, "register", register).on(table));
    }
    for (table, copy) in copies {
        tx.extend(staging_load(table, copy)?);
    }
    for table in schema.transform_order() {
        tx.extend(star_load(table));
    }
    tx.push(stmt(
        Step::Commit,
        Action::Execute,
        "commit",
        "COMMIT".into(),
    ));
    Ok(RedshiftRun {
        transaction: tx,
        checks: checks::queries(schema, check_examples),
        analyses: analyses
            .into_iter()
            .map(|(title, sql)| AnalysisQuery { title, sql })
            .collect(),
        load_errors: load_errors_query(),
    })
}

/// The statements that serialise runs and guard foreign tables, first in
/// the transaction after `BEGIN`: the registry (created in the transaction,
/// so a refused run leaves none behind), `LOCK` on it (Redshift has no
/// advisory locks), then which declared tables exist and which are dwh's.
/// The two reads stay separate queries: the catalog tables are leader-node
/// only, and Redshift refuses a query that mixes them with a user table
/// (<https://docs.aws.amazon.com/redshift/latest/dg/c_sql-functions-leader-node.html>).
pub fn lock_statements(schema: &Schema) -> Vec<RunStatement> {
    let mut names: Vec<&str> = schema.tables().iter().map(|t| t.name).collect();
    names.push(registry::REGISTRY);
    vec![
        stmt(
            Step::Lock,
            Action::Execute,
            "registry",
            registry::create_registry(),
        ),
        stmt(
            Step::Lock,
            Action::Execute,
            "lock",
            registry::lock_registry(),
        ),
        stmt(
            Step::Lock,
            Action::ExistingTables,
            "existing tables",
            registry::existing_relations(&names, Dialect::Redshift),
        ),
        stmt(
            Step::Lock,
            Action::RegisteredTables,
            "registered tables",
            registry::registered_tables(),
        ),
    ]
}

/// Empties a staging table (`DELETE`: `TRUNCATE` would commit), COPYs into
/// it, reads how many rows came, and refreshes its statistics: the COPY
/// runs with `STATUPDATE OFF`, and the star-schema joins are planned on
/// these statistics (<https://docs.aws.amazon.com/redshift/latest/dg/r_ANALYZE.html>).
fn staging_load(table: &'static Table, copy: &S3Copy) -> Result<Vec<RunStatement>, CopyError> {
    let s = |action, what: &str, sql: String| stmt(Step::Staging, action, what, sql).on(table);
    Ok(vec![
        s(Action::Execute, "empty", delete_all(table)),
        s(Action::Copy(table), "copy", copy_from_s3(table, copy)?),
        s(
            Action::CopiedRows(table),
            "copied rows",
            "SELECT pg_last_copy_count()".into(),
        ),
        s(Action::Execute, "analyze", analyze_table(table)),
    ])
}

/// Counts, loads and analyses a dimension or fact table.
fn star_load(table: &'static Table) -> Vec<RunStatement> {
    let Some(load) = load_statements(table, Dialect::Redshift) else {
        return Vec::new();
    };
    let s = |action, what: &str, sql: String| stmt(Step::StarSchema, action, what, sql).on(table);
    let mut out = vec![s(Action::RowsBefore(table), "count", count_rows(table))];
    for (i, sql) in load.statements.into_iter().enumerate() {
        let label = format!("load {} #{}", table.name, i + 1);
        out.push(stmt(Step::StarSchema, Action::Execute, &label, sql));
    }
    out.push(s(Action::Execute, "analyze", analyze_table(table)));
    out.push(s(Action::RowsAfter(table), "count", count_rows(table)));
    out
}

/// The load errors of the session's last COPY, found by its query id:
/// `pg_last_copy_id()` is set when a COPY starts loading, also when it then
/// fails on bad data, and is the `query` column of `STL_LOAD_ERRORS`
/// (<https://docs.aws.amazon.com/redshift/latest/dg/PG_LAST_COPY_ID.html>,
/// <https://docs.aws.amazon.com/redshift/latest/dg/r_STL_LOAD_ERRORS.html>).
/// `SYS_LOAD_ERROR_DETAIL` has `query_id` instead, which is not the same
/// identifier as STL's `query`
/// (<https://docs.aws.amazon.com/redshift/latest/dg/r_STL_QUERY.html>).
/// CHAR columns come padded, hence the TRIMs; the aliases are the names
/// the executor reads.
pub fn load_errors_query() -> String {
    format!(
        "SELECT TRIM(filename) AS file_name, line_number, TRIM(colname) AS column_name, \
         TRIM(type) AS column_type, TRIM(col_length) AS column_length, position, \
         err_code AS error_code, TRIM(err_reason) AS error_message \
         FROM stl_load_errors WHERE query = pg_last_copy_id() \
         ORDER BY filename, line_number LIMIT {MAX_LOAD_ERRORS}"
    )
}

fn stmt(step: Step, action: Action, label: &str, sql: String) -> RunStatement {
    RunStatement {
        step,
        action,
        label: label.to_owned(),
        sql,
    }
}

impl RunStatement {
    fn on(mut self, table: &Table) -> Self {
        self.label = format!("{} {}", self.label, table.name);
        self
    }
}

impl RedshiftRun {
    /// Every statement in run order, labelled: the transaction, checks
    /// (a listing check has a count and an examples query), analyses, and
    /// the load-error lookup.
    pub fn statements(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = self
            .transaction
            .iter()
            .map(|s| (s.label.clone(), s.sql.clone()))
            .collect();
        for c in &self.checks {
            let label = format!("check {}: {}", c.table.name, c.check);
            match &c.sql {
                checks::CheckSql::Count(sql) => out.push((label, sql.clone())),
                checks::CheckSql::Listing { count, examples } => {
                    out.push((format!("{label} (count)"), count.clone()));
                    out.push((format!("{label} (examples)"), examples.clone()));
                }
            }
        }
        for a in &self.analyses {
            out.push((format!("analysis {}", a.title), a.sql.clone()));
        }
        out.push((
            "load errors of the last COPY".into(),
            self.load_errors.clone(),
        ));
        out
    }
}
