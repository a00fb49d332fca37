//! A whole pipeline run as SQL, in the order it runs, for either target:
//! the executor ([`crate::pipeline`]) only runs these statements, and the
//! snapshots see every one.
//!
//! 0. on Redshift, the registry, created before `BEGIN` so that the run
//!    lock can be the transaction's first statement;
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

use super::checks::{self, CheckQuery, BATCH_ONLY};
use super::copy::{copy_binary_stdin, copy_from_s3, CopyError, S3Copy};
use super::ddl::{
    analyze_staging, analyze_table, comment_statements, count_rows, create_table, delete_all,
    drop_table, key_index, make_logged, truncate_table, IfNotExists,
};
use super::dialect::Dialect;
use super::history;
use super::ident::quote_ident;
use super::ledger::{self, LedgerFile};
use super::registry::{self, Origin};
use super::row_counts;
use super::transform::{load_statements, lookup_indexes};
use super::unmatched;
use crate::catalog::Schema;
use crate::schema::{Table, TableKind};
use chrono::NaiveDateTime;

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
    /// `--full-refresh`: the ledger forgotten, the star schema emptied.
    Refresh,
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
    /// One row, one BIGINT: the table's rows before its load, as the last
    /// run kept them, or counted ([`row_counts::kept_or_counted`]).
    RowsBefore(&'static Table),
    /// One row, one BIGINT: the table's rows after its load, counted only
    /// when its statements' own counts do not tell them (a `MERGE` wrote
    /// rows: its count adds the rows it updated to those it inserted).
    RowsAfter(&'static Table),
    /// Keeps the table's rows after its load for the next run; the
    /// statements are rendered when they are known ([`row_counts::keep`]).
    KeepRows(&'static Table),
    /// Run for its effect when the table did not exist as the run began
    /// (this run's `CREATE TABLE IF NOT EXISTS` made it).
    IfCreated(&'static Table),
    /// The ANALYZE that ends a staging table's load: the crash tests' `load`
    /// pause point follows it.
    Analyze(&'static Table),
    /// One row, one BIGINT: the table's files loaded but not transformed
    /// ([`ledger::untransformed_files`]). Non-zero: staging holds a batch
    /// the next [`Action::EmptyStaging`] keeps.
    PendingBatch(&'static Table),
    /// Empties the staging table, unless it holds a batch not transformed
    /// yet (a `dwh load` not followed by `dwh transform`): the new files are
    /// then added to that batch.
    EmptyStaging(&'static Table),
    /// Names of this run's files the ledger holds already: a concurrent run
    /// loaded them since this run chose them, so this one stops.
    AlreadyLoaded(&'static Table),
    /// A type-2 dimension's batch rows that are late and would change its
    /// history (`(key, first_late, n, keys)` rows, see
    /// `history::late_rows`): any, and the run stops before any change.
    LateHistory(&'static Table),
    /// Records the files the last [`Action::CopyFiles`] loaded in the
    /// ledger; the statement is rendered when their rows and checksums
    /// are known ([`ledger::record_files`]).
    RecordFiles(&'static Table),
    /// The ANALYZE after a star-schema table's load on PostgreSQL, run only
    /// when the load changed at least a tenth of the rows the table had (or
    /// it had none). That is Redshift's rule, which Redshift applies itself
    /// to every ANALYZE (`analyze_threshold_percent`, default 10:
    /// <https://docs.aws.amazon.com/redshift/latest/dg/r_analyze_threshold_percent.html>),
    /// so its plan keeps a plain [`Action::Execute`]. A day's few rows do not
    /// move the statistics; the engine's autovacuum analyzes what several
    /// runs add up to.
    AnalyzeChanged(&'static Table),
    /// One row, one BIGINT: untransformed files of the staging tables a
    /// star-schema load reads ([`ledger::pending_in`]). Zero: the table's
    /// load statements up to its [`Action::RowsAfter`] are skipped, as they
    /// would take in what they took in before and change nothing.
    NewInput(&'static Table),
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
            Action::KeepRows(_) => "keep rows",
            Action::IfCreated(_) => "if created",
            Action::Analyze(_) => "analyze",
            Action::AnalyzeChanged(_) => "analyze if changed",
            Action::PendingBatch(_) => "pending batch",
            Action::EmptyStaging(_) => "empty staging",
            Action::AlreadyLoaded(_) => "already loaded",
            Action::LateHistory(_) => "late history",
            Action::RecordFiles(_) => "record files",
            Action::NewInput(_) => "new input",
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
    /// This run's new files, by ledger key, which dwh reads and streams in
    /// (binary `COPY … FROM STDIN`); none: nothing new to load.
    Files(Vec<String>),
    /// Redshift's `COPY … FROM` S3 of this run's new files.
    S3(S3Batch),
}

/// A Redshift staging load: the COPY of a manifest listing this run's new
/// files only, and their ledger rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Batch {
    /// The COPY; `None` when no file is new.
    pub copy: Option<S3Copy>,
    /// The new files as the ledger records them (their rows counted when
    /// they were uploaded).
    pub files: Vec<LedgerFile>,
    /// The run's time, recorded with the files.
    pub run_at: NaiveDateTime,
}

/// Which parts of the pipeline a run does: `dwh all` does all; `load`,
/// `transform` and `create-tables` one each. Every run begins with the
/// run lock and the ownership check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parts {
    /// Drop dwh's own tables first (`--fresh`).
    pub fresh: bool,
    /// Forget the ledger and empty the star schema, to rebuild from every
    /// file (`--full-refresh`).
    pub full_refresh: bool,
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
        full_refresh: false,
        create: true,
        staging: true,
        star: true,
    };
    /// Nothing but the lock and the ownership check; add parts with
    /// struct update syntax.
    pub const NONE: Parts = Parts {
        fresh: false,
        full_refresh: false,
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
    /// Run before `BEGIN`, each committed on its own: on Redshift the
    /// registry, so that the run lock is the transaction's first statement
    /// ([`registry::before_redshift_transaction`]); none locally.
    pub prepare: Vec<RunStatement>,
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
        tx.extend(fresh_drops(schema, dialect));
    }
    if parts.create {
        tx.extend(create_statements(schema, dialect, parts.fresh));
    }
    if parts.full_refresh && !parts.fresh {
        tx.extend(refresh(schema, dialect));
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
        tx.push(mark_transformed());
    }
    tx.push(stmt(
        Step::Commit,
        Action::Execute,
        "commit",
        "COMMIT".into(),
    ));
    Ok(RunPlan {
        dialect,
        prepare: prepare_statements(dialect),
        transaction: tx,
    })
}

/// The tables that do not exist yet, created and registered, with their
/// unmatched-rows tables and, when this run creates them (always with
/// `fresh`), their comments.
fn create_statements(schema: &Schema, dialect: Dialect, fresh: bool) -> Vec<RunStatement> {
    let mut out = Vec::new();
    for table in schema.tables() {
        let ddl = create_table(table, dialect, IfNotExists::Yes);
        out.push(stmt(Step::Create, Action::Execute, "create", ddl).on(table));
        let register = registry::register_if_new(table.name, Origin::Created, dialect);
        out.push(stmt(Step::Create, Action::Execute, "register", register).on(table));
        if let Some(create) = unmatched::create(table, dialect) {
            out.push(stmt(Step::Create, Action::Execute, "create unmatched", create).on(table));
        }
        // The doc comments of a table this run creates. Not on every
        // run: COMMENT ON takes a lock that waits for autovacuum (up to
        // deadlock_timeout per table) on the large tables a run just
        // loaded; comments that drift are shown and set by
        // `dwh plan` / `dwh migrate`.
        let when = if fresh {
            Action::Execute
        } else {
            Action::IfCreated(table)
        };
        for comment in comment_statements(table, dialect) {
            out.push(stmt(Step::Create, when, "comment", comment).on(table));
        }
        if dialect == Dialect::Postgres && table.kind == TableKind::Staging {
            // Earlier dwh releases made staging UNLOGGED, which a server
            // crash mid-load can leave unrecoverable; a no-op on a
            // logged table (PostgreSQL's ALTER TABLE … SET LOGGED).
            let logged = make_logged(table);
            out.push(stmt(Step::Create, Action::Execute, "make logged", logged).on(table));
        }
    }
    out
}

/// `--fresh`: the ledger forgotten, then each of dwh's tables dropped with
/// its unmatched rows and last-seen times, facts first, and unregistered.
fn fresh_drops(schema: &Schema, dialect: Dialect) -> Vec<RunStatement> {
    let forget = ledger::forget_files();
    let mut out = vec![stmt(
        Step::Drop,
        Action::Execute,
        "forget loaded files",
        forget,
    )];
    for table in schema.tables().iter().rev() {
        out.push(stmt(Step::Drop, Action::Execute, "drop", drop_table(table)).on(table));
        if let Some(drop) = unmatched::drop(table) {
            out.push(stmt(Step::Drop, Action::Execute, "drop unmatched", drop).on(table));
        }
        if let Some(drop) = history::drop_seen(table) {
            out.push(stmt(Step::Drop, Action::Execute, "drop last seen", drop).on(table));
        }
        let unregister = registry::unregister(table.name, dialect);
        out.push(stmt(Step::Drop, Action::Execute, "unregister", unregister).on(table));
    }
    out
}

/// Every statement of a whole Redshift run (`dwh all --target redshift`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedshiftRun {
    /// Before `BEGIN`: the registry ([`RunPlan::prepare`]).
    pub prepare: Vec<RunStatement>,
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

/// A check's statements, labelled: one count, or a listing's count and
/// examples.
fn push_check(out: &mut Vec<(String, String)>, label: &str, sql: &checks::CheckSql) {
    match sql {
        checks::CheckSql::Count(sql) => out.push((label.to_owned(), sql.clone())),
        checks::CheckSql::Listing { count, examples } => {
            out.push((format!("{label} (count)"), count.clone()));
            out.push((format!("{label} (examples)"), examples.clone()));
        }
    }
}

/// Renders a whole Redshift run: `batches` pairs each staging table with
/// the COPY of its new files and their ledger rows; `checks` and
/// `analyses` (`(title, sql)`) run after the commit.
pub fn redshift_run(
    schema: &Schema,
    batches: &[(&'static Table, S3Batch)],
    checks: Vec<CheckQuery>,
    analyses: Vec<(String, String)>,
) -> Result<RedshiftRun, CopyError> {
    let staging: Vec<(&'static Table, StagingFrom)> = batches
        .iter()
        .map(|(table, batch)| (*table, StagingFrom::S3(batch.clone())))
        .collect();
    let plan = run_plan(schema, Dialect::Redshift, &staging, Parts::ALL)?;
    Ok(RedshiftRun {
        prepare: plan.prepare,
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

/// What runs before `BEGIN`: on Redshift the registry, committed on its
/// own, so that `LOCK` can open the transaction
/// ([`registry::before_redshift_transaction`]); nothing locally, where the
/// run lock is an advisory lock the session holds before `BEGIN`.
fn prepare_statements(dialect: Dialect) -> Vec<RunStatement> {
    match dialect {
        Dialect::Redshift => registry::before_redshift_transaction()
            .into_iter()
            .map(|sql| stmt(Step::Lock, Action::Execute, "registry", sql))
            .collect(),
        Dialect::Postgres => Vec::new(),
    }
}

/// The statements that serialise runs and guard foreign tables, first in
/// the transaction after `BEGIN`: on Redshift `LOCK` on the registry,
/// the transaction's very first statement (Redshift has no advisory
/// locks, and takes the transaction's snapshot at its first CREATE or
/// SELECT: <https://docs.aws.amazon.com/redshift/latest/dg/c_serial_isolation.html>);
/// locally the registry (created in the transaction, so a refused run
/// leaves none behind; the advisory run lock is held before `BEGIN`);
/// then the ledger, which declared tables exist and which are dwh's.
/// The two reads stay separate queries: the catalog tables are leader-node
/// only, and Redshift refuses a query that mixes them with a user table
/// (<https://docs.aws.amazon.com/redshift/latest/dg/c_sql-functions-leader-node.html>).
pub fn lock_statements(schema: &Schema, dialect: Dialect) -> Vec<RunStatement> {
    let mut names: Vec<&str> = schema.tables().iter().map(|t| t.name).collect();
    names.push(registry::REGISTRY);
    let first = match dialect {
        Dialect::Redshift => stmt(
            Step::Lock,
            Action::Execute,
            "lock",
            registry::lock_registry(),
        ),
        Dialect::Postgres => stmt(
            Step::Lock,
            Action::Execute,
            "registry",
            registry::create_registry(),
        ),
    };
    let mut out = vec![first];
    out.extend([
        stmt(
            Step::Lock,
            Action::Execute,
            "ledger",
            ledger::create_ledger(),
        ),
        stmt(
            Step::Lock,
            Action::Execute,
            "row counts",
            row_counts::create_row_counts(),
        ),
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

/// Loads a staging table with this run's new files, and refreshes its
/// statistics. Staging holds the last batch loaded into it: with no new
/// file it keeps it (the star-schema loads take it in again, changing
/// nothing), and a batch not yet transformed (a `dwh load` not followed by
/// `dwh transform`) is added to rather than emptied. The loads run with `STATUPDATE OFF` (Redshift) or none (PostgreSQL), and
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
    let empty = match dialect {
        Dialect::Postgres => truncate_table(table),
        Dialect::Redshift => delete_all(table),
    };
    // Emptied unless it holds a batch not transformed yet; also when no
    // file is new, so that staging holds the run's batch, empty, and the
    // checks of what it holds do not read an earlier run's rows again.
    let emptying = || {
        let pending = ledger::untransformed_files(table, dialect);
        vec![
            s(Action::PendingBatch(table), "pending batch", pending),
            s(Action::EmptyStaging(table), "empty", empty.clone()),
        ]
    };
    let check = |keys: Vec<&str>| {
        let loaded = ledger::already_loaded(table, &keys, dialect);
        let mut out = emptying();
        out.push(s(Action::AlreadyLoaded(table), "already loaded", loaded));
        out
    };
    let mut out = Vec::with_capacity(8);
    match (from, dialect) {
        (StagingFrom::S3(batch), Dialect::Redshift) => {
            let Some(copy) = &batch.copy else {
                return Ok(emptying());
            };
            out.extend(check(batch.files.iter().map(|f| f.key.as_str()).collect()));
            out.push(s(Action::Copy(table), "copy", copy_from_s3(table, copy)?));
            out.push(s(
                Action::CopiedRows(table),
                "copied rows",
                "SELECT pg_last_copy_count()".into(),
            ));
            for sql in ledger::record_files(table, &batch.files, batch.run_at, dialect) {
                out.push(s(Action::Execute, "record files", sql));
            }
        }
        (StagingFrom::Files(keys), Dialect::Postgres) => {
            if keys.is_empty() {
                return Ok(emptying());
            }
            out.extend(check(keys.iter().map(String::as_str).collect()));
            out.extend(copy_and_record(table));
        }
        (_, dialect) => return Err(CopyError::Unsupported(dialect.name())),
    }
    let analyze = analyze_staging(table, dialect);
    out.push(s(Action::Analyze(table), "analyze", analyze));
    Ok(out)
}

/// The local binary COPY of a staging table's files, and their ledger rows
/// (rendered once the COPY has counted them).
fn copy_and_record(table: &'static Table) -> [RunStatement; 2] {
    let s = |action, what: &str, sql: String| stmt(Step::Staging, action, what, sql).on(table);
    [
        s(Action::CopyFiles(table), "copy", copy_binary_stdin(table)),
        s(
            Action::RecordFiles(table),
            "record files",
            format!("-- INSERT INTO {} … (the files loaded)", ledger::LEDGER),
        ),
    ]
}

/// `--full-refresh`: forgets every loaded file and empties the star schema
/// (and the facts' unmatched rows), so the run rebuilds it from every file.
/// `DELETE` on Redshift, where `TRUNCATE` would commit.
fn refresh(schema: &Schema, dialect: Dialect) -> Vec<RunStatement> {
    let empty = |table: &Table| match dialect {
        Dialect::Postgres => truncate_table(table),
        Dialect::Redshift => delete_all(table),
    };
    let mut out = vec![stmt(
        Step::Refresh,
        Action::Execute,
        "forget loaded files",
        ledger::forget_files(),
    )];
    for table in schema.tables().iter().filter(|t| t.load.is_some()) {
        out.push(stmt(Step::Refresh, Action::Execute, "empty", empty(table)).on(table));
        let forget = row_counts::forget(table);
        out.push(stmt(Step::Refresh, Action::Execute, "forget rows", forget).on(table));
        if let Some(unmatched) = unmatched::empty(table, dialect) {
            out.push(stmt(Step::Refresh, Action::Execute, "empty unmatched", unmatched).on(table));
        }
    }
    out
}

/// The staging tables a star-schema table's load reads, through its
/// source and lookups, directly or through the tables they load from.
fn staging_inputs(table: &'static Table) -> Vec<&'static Table> {
    let mut out: Vec<&'static Table> = Vec::new();
    let mut todo = vec![table];
    while let Some(t) = todo.pop() {
        if t.kind == TableKind::Staging {
            if !out.iter().any(|o| o.name == t.name) {
                out.push(t);
            }
            continue;
        }
        if let Some(load) = &t.load {
            todo.push(load.source);
            todo.extend(load.lookups.iter().flat_map(|l| l.tables()));
        }
    }
    out
}

/// Marks the batch transformed: the last statement of the star-schema loads.
pub(crate) fn mark_transformed() -> RunStatement {
    let sql = ledger::mark_transformed();
    stmt(
        Step::StarSchema,
        Action::Execute,
        "mark batch transformed",
        sql,
    )
}

/// Counts, loads and analyses a dimension or fact table.
pub(crate) fn star_load(table: &'static Table, dialect: Dialect) -> Vec<RunStatement> {
    let Some(load) = load_statements(table, dialect) else {
        return Vec::new();
    };
    let s = |action, what: &str, sql: String| stmt(Step::StarSchema, action, what, sql).on(table);
    let inputs = staging_inputs(table);
    let mut out = vec![
        s(
            Action::RowsBefore(table),
            "count",
            row_counts::kept_or_counted(table),
        ),
        s(
            Action::NewInput(table),
            "new input",
            ledger::pending_in(&inputs, dialect),
        ),
    ];
    for sql in lookup_indexes(table, dialect) {
        out.push(s(Action::Execute, "lookup index", sql));
    }
    if let Some(sql) = unmatched::resolve(table, dialect) {
        out.push(s(Action::Execute, "match late arrivals", sql));
    }
    if let Some((create, late)) = history::late_guard(table) {
        out.push(s(Action::Execute, "create last seen", create));
        out.push(s(Action::LateHistory(table), "late rows", late));
    }
    for (i, sql) in load.statements.into_iter().enumerate() {
        let label = format!("load {} #{}", table.name, i + 1);
        out.push(stmt(Step::StarSchema, Action::Execute, &label, sql));
    }
    if let Some(sql) = unmatched::record(table, dialect) {
        out.push(s(Action::Execute, "keep unmatched", sql));
    }
    if let Some(sql) = key_index(table, dialect) {
        out.push(s(Action::Execute, "key index", sql));
    }
    let analyze = match dialect {
        Dialect::Postgres => Action::AnalyzeChanged(table),
        Dialect::Redshift => Action::Execute,
    };
    out.push(s(analyze, "analyze", analyze_table(table)));
    // The unmatched rows grow with the fact: analyzed with it, or the
    // late-arrival check plans on no statistics at all.
    if let Some(name) = unmatched::table_name(table) {
        let sql = format!("ANALYZE {}", quote_ident(&name));
        out.push(s(analyze, "analyze unmatched", sql));
    }
    out.push(s(Action::RowsAfter(table), "count", count_rows(table)));
    let keep = format!(
        "-- INSERT INTO {} … (the rows after the load)",
        row_counts::ROW_COUNTS
    );
    out.push(s(Action::KeepRows(table), "keep rows", keep));
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
    /// Every statement in run order, labelled: the registry before
    /// `BEGIN`, the transaction, checks
    /// (a listing check has a count and an examples query), analyses, and
    /// the load-error lookup.
    pub fn statements(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = self
            .prepare
            .iter()
            .chain(&self.transaction)
            .map(|s| (s.label.clone(), s.sql.clone()))
            .collect();
        for c in &self.checks {
            let label = format!("check {}: {}", c.table.name, c.check);
            push_check(&mut out, &label, &c.sql);
            if let Some(batch) = &c.batch {
                let label = format!("{label}{BATCH_ONLY}");
                push_check(&mut out, &label, batch);
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
