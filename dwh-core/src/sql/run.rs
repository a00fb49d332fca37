//! A whole pipeline run as SQL, in the order it runs, for either target:
//! the executor ([`crate::pipeline`]) only runs these statements, and the
//! snapshots see every one.
//!
//! 1. one transaction: `BEGIN`, the run lock and ownership check, (with
//!    `--fresh`) the drops, `CREATE TABLE IF NOT EXISTS`, per staging table
//!    the emptying, the load and `ANALYZE`, the star-schema loads, `COMMIT`;
//! 2. the data-quality checks, then the analyses (read only);
//! 3. on Redshift, after a failed COPY, the lookup of its load errors.
//!
//! The staging load is the only part that differs between the targets: a
//! binary `COPY … FROM STDIN` that dwh streams from the files (the local
//! engine), or Redshift's `COPY … FROM` S3. On Redshift staging is emptied
//! with `DELETE`, never `TRUNCATE`, which would commit the run's
//! transaction (<https://docs.aws.amazon.com/redshift/latest/dg/r_TRUNCATE.html>).
//!
//! No statement takes a bind parameter: Redshift infers parameter types
//! differently from PostgreSQL, so values are rendered as validated
//! literals ([`Limit`](super::Limit)).

use super::checks::{self, CheckQuery};
use super::copy::{copy_binary_stdin, copy_from_s3, CopyError, S3Copy};
use super::ddl::{
    analyze_table, comment_statements, count_rows, create_table, delete_all, drop_table,
    truncate_table, IfNotExists,
};
use super::ident::quote_ident;
use super::registry::{self, Origin};
use super::transform::load_statements;
use super::Dialect;
use crate::catalog::Schema;
use crate::schema::{Table, TableKind};

/// The part of the run transaction a statement belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    /// `BEGIN`.
    Begin,
    /// Serialises concurrent runs; see [`lock_statements`].
    Lock,
    /// `--fresh`: dwh's own tables dropped and unregistered.
    Drop,
    /// `CREATE TABLE IF NOT EXISTS` and registration of each declared table.
    Create,
    /// Each staging table emptied, loaded, counted and analysed.
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
    /// A Redshift COPY into the table: when it fails, roll back and run
    /// [`RedshiftRun::load_errors`].
    Copy(&'static Table),
    /// The binary `COPY … FROM STDIN` into the table, fed by the executor
    /// from the table's source files.
    CopyFiles(&'static Table),
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
    /// Run for its effect when the table did not exist as the run began
    /// (this run's `CREATE TABLE IF NOT EXISTS` made it).
    IfCreated(&'static Table),
    /// The ANALYZE that ends a staging table's load: the crash tests' `load`
    /// pause point follows it.
    Analyze(&'static Table),
}

impl Action {
    /// The action's name, without its table: `execute`, `copy files`, ….
    pub fn name(&self) -> &'static str {
        match self {
            Action::Execute => "execute",
            Action::Copy(_) => "copy from S3",
            Action::CopyFiles(_) => "copy files",
            Action::ExistingTables => "existing tables",
            Action::RegisteredTables => "registered tables",
            Action::CopiedRows(_) => "copied rows",
            Action::RowsBefore(_) => "rows before",
            Action::RowsAfter(_) => "rows after",
            Action::IfCreated(_) => "if created",
            Action::Analyze(_) => "analyze",
        }
    }
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

/// Where one staging table's rows come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StagingFrom {
    /// Files dwh reads and streams in (binary `COPY … FROM STDIN`).
    Files,
    /// Redshift's `COPY … FROM` S3.
    S3(S3Copy),
}

/// Which parts of the pipeline a run does: `dwh all` does all; `load`,
/// `transform` and `create-tables` one each. Every run begins with the
/// run lock and the ownership check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parts {
    /// Drop dwh's own tables first (`--fresh`).
    pub fresh: bool,
    /// Create the declared tables that do not exist.
    pub create: bool,
    /// Load staging.
    pub staging: bool,
    /// Load dimensions and facts from staging.
    pub star: bool,
}

impl Parts {
    /// The whole pipeline, without `--fresh`.
    pub const ALL: Parts = Parts {
        fresh: false,
        create: true,
        staging: true,
        star: true,
    };
    /// Nothing but the lock and the ownership check; add parts with
    /// struct update syntax.
    pub const NONE: Parts = Parts {
        fresh: false,
        create: false,
        staging: false,
        star: false,
    };
}

/// The write transaction of a run, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunPlan {
    /// The dialect it is rendered in.
    pub dialect: Dialect,
    /// `BEGIN` … `COMMIT`: the warehouse changes all at once or not at all.
    pub transaction: Vec<RunStatement>,
}

/// Renders the write transaction of a run: `staging` pairs each staging
/// table with where its rows come from (ignored without `parts.staging`).
pub fn run_plan(
    schema: &Schema,
    dialect: Dialect,
    staging: &[(&'static Table, StagingFrom)],
    parts: Parts,
) -> Result<RunPlan, CopyError> {
    let mut tx = vec![stmt(Step::Begin, Action::Execute, "begin", "BEGIN".into())];
    tx.extend(lock_statements(schema, dialect));
    if parts.fresh {
        for table in schema.tables().iter().rev() {
            tx.push(stmt(Step::Drop, Action::Execute, "drop", drop_table(table)).on(table));
            let unregister = registry::unregister(table.name, dialect);
            tx.push(stmt(Step::Drop, Action::Execute, "unregister", unregister).on(table));
        }
    }
    if parts.create {
        for table in schema.tables() {
            let ddl = create_table(table, dialect, IfNotExists::Yes);
            tx.push(stmt(Step::Create, Action::Execute, "create", ddl).on(table));
            let register = registry::register_if_new(table.name, Origin::Created, dialect);
            tx.push(stmt(Step::Create, Action::Execute, "register", register).on(table));
            // The doc comments of a table this run creates. Not on every
            // run: COMMENT ON takes a lock that waits for autovacuum (up to
            // deadlock_timeout per table) on the large tables a run just
            // loaded; comments that drift are shown and set by
            // `dwh plan` / `dwh migrate`.
            let when = if parts.fresh {
                Action::Execute
            } else {
                Action::IfCreated(table)
            };
            for comment in comment_statements(table, dialect) {
                tx.push(stmt(Step::Create, when, "comment", comment).on(table));
            }
            if dialect == Dialect::Postgres && table.kind == TableKind::Staging {
                // Earlier dwh releases made staging UNLOGGED, which a server
                // crash mid-load can leave unrecoverable; a no-op on a
                // logged table (PostgreSQL's ALTER TABLE … SET LOGGED).
                let logged = format!("ALTER TABLE {} SET LOGGED", quote_ident(table.name));
                tx.push(stmt(Step::Create, Action::Execute, "make logged", logged).on(table));
            }
        }
    }
    if parts.staging {
        for (table, from) in staging {
            tx.extend(staging_load(table, from, dialect)?);
        }
    }
    if parts.star {
        for table in schema.transform_order() {
            tx.extend(star_load(table, dialect));
        }
    }
    tx.push(stmt(
        Step::Commit,
        Action::Execute,
        "commit",
        "COMMIT".into(),
    ));
    Ok(RunPlan {
        dialect,
        transaction: tx,
    })
}

/// Every statement of a whole Redshift run (`dwh all --target redshift`).
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
    /// The run log, created if missing after the run; its `INSERT` of the
    /// run's steps is [`runs::record_run`](super::runs::record_run).
    pub run_log: String,
}

/// Load errors listed at most.
pub const MAX_LOAD_ERRORS: u32 = 20;

/// Renders a whole Redshift run: `copies` pairs each staging table with
/// where its COPY reads; `checks` and `analyses` (`(title, sql)`) run after
/// the commit.
pub fn redshift_run(
    schema: &Schema,
    copies: &[(&'static Table, S3Copy)],
    checks: Vec<CheckQuery>,
    analyses: Vec<(String, String)>,
) -> Result<RedshiftRun, CopyError> {
    let staging: Vec<(&'static Table, StagingFrom)> = copies
        .iter()
        .map(|(table, copy)| (*table, StagingFrom::S3(copy.clone())))
        .collect();
    let plan = run_plan(schema, Dialect::Redshift, &staging, Parts::ALL)?;
    Ok(RedshiftRun {
        transaction: plan.transaction,
        checks,
        analyses: analyses
            .into_iter()
            .map(|(title, sql)| AnalysisQuery { title, sql })
            .collect(),
        load_errors: load_errors_query(),
        run_log: super::runs::create_runs(),
    })
}

/// The statements that serialise runs and guard foreign tables, first in
/// the transaction after `BEGIN`: the registry (created in the transaction,
/// so a refused run leaves none behind), on Redshift `LOCK` on it (Redshift
/// has no advisory locks; the local engine's run lock is an advisory lock
/// the session holds before `BEGIN`), then which declared tables exist and
/// which are dwh's.
/// The two reads stay separate queries: the catalog tables are leader-node
/// only, and Redshift refuses a query that mixes them with a user table
/// (<https://docs.aws.amazon.com/redshift/latest/dg/c_sql-functions-leader-node.html>).
pub fn lock_statements(schema: &Schema, dialect: Dialect) -> Vec<RunStatement> {
    let mut names: Vec<&str> = schema.tables().iter().map(|t| t.name).collect();
    names.push(registry::REGISTRY);
    let mut out = vec![stmt(
        Step::Lock,
        Action::Execute,
        "registry",
        registry::create_registry(),
    )];
    if dialect == Dialect::Redshift {
        out.push(stmt(
            Step::Lock,
            Action::Execute,
            "lock",
            registry::lock_registry(),
        ));
    }
    out.extend([
        stmt(
            Step::Lock,
            Action::ExistingTables,
            "existing tables",
            registry::existing_relations(&names, dialect),
        ),
        stmt(
            Step::Lock,
            Action::RegisteredTables,
            "registered tables",
            registry::registered_tables(),
        ),
    ]);
    out
}

/// Empties a staging table, loads it, and refreshes its statistics: the
/// loads run with `STATUPDATE OFF` (Redshift) or none (PostgreSQL), and
/// the star-schema joins are planned on these statistics
/// (<https://docs.aws.amazon.com/redshift/latest/dg/r_ANALYZE.html>). On
/// Redshift staging is emptied with `DELETE` (`TRUNCATE` would commit) and
/// the rows the COPY loaded are read back; locally `TRUNCATE` is
/// transactional and the loader counts the rows it sends.
pub(crate) fn staging_load(
    table: &'static Table,
    from: &StagingFrom,
    dialect: Dialect,
) -> Result<Vec<RunStatement>, CopyError> {
    let s = |action, what: &str, sql: String| stmt(Step::Staging, action, what, sql).on(table);
    let mut out = Vec::with_capacity(4);
    match (from, dialect) {
        (StagingFrom::S3(copy), Dialect::Redshift) => {
            out.push(s(Action::Execute, "empty", delete_all(table)));
            out.push(s(Action::Copy(table), "copy", copy_from_s3(table, copy)?));
            out.push(s(
                Action::CopiedRows(table),
                "copied rows",
                "SELECT pg_last_copy_count()".into(),
            ));
        }
        (StagingFrom::Files, Dialect::Postgres) => {
            out.push(s(Action::Execute, "empty", truncate_table(table)));
            out.push(s(
                Action::CopyFiles(table),
                "copy",
                copy_binary_stdin(table),
            ));
        }
        (_, dialect) => return Err(CopyError::Unsupported(dialect.name())),
    }
    out.push(s(Action::Analyze(table), "analyze", analyze_table(table)));
    Ok(out)
}

/// Counts, loads and analyses a dimension or fact table.
pub(crate) fn star_load(table: &'static Table, dialect: Dialect) -> Vec<RunStatement> {
    let Some(load) = load_statements(table, dialect) else {
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
        out.push(("run log".into(), self.run_log.clone()));
        out
    }
}
