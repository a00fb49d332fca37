//! [`Probe`]: one statement of the doctor, the [`Shape`] it proves and
//! what passing means ([`Expect`]).

/// A kind of statement the doctor proves Redshift accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Shape {
    /// The scratch schema, and `current_schema()` read alone.
    Session,
    /// The leader-node catalog and SVV reads of `dwh plan` and `migrate`.
    Catalog,
    /// `LOCK` as the first statement of the run transaction.
    Lock,
    /// `CREATE TABLE` with DISTSTYLE, SORTKEY, ENCODE, IDENTITY, BACKUP.
    CreateTable,
    /// `CREATE TABLE … (LIKE …)`: the unmatched rows of a fact.
    CreateLike,
    /// `COPY … FROM` S3 through the attached role, with jsonpaths.
    Copy,
    /// A COPY of a bad record fails, and `STL_LOAD_ERRORS` explains it.
    LoadErrors,
    /// Window functions: ROW_NUMBER, LAG and LEAD.
    Window,
    /// `MERGE` from a staged table.
    Merge,
    /// `UPDATE … FROM`.
    UpdateFrom,
    /// The load ledger's reads and writes, counts, ANALYZE, temp tables.
    Bookkeeping,
    /// The `ALTER TABLE` forms `dwh migrate` uses.
    Alter,
    /// The scratch schema dropped.
    Cleanup,
}

impl Shape {
    /// What the shape proves, as the report shows it.
    pub fn describe(self) -> &'static str {
        match self {
            Shape::Session => "scratch schema, current_schema() alone",
            Shape::Catalog => "catalog reads (pg_class_info, pg_table_def, SVV views)",
            Shape::Lock => "LOCK first in the run transaction",
            Shape::CreateTable => "CREATE TABLE with DISTSTYLE/SORTKEY/ENCODE/IDENTITY",
            Shape::CreateLike => "CREATE TABLE … (LIKE …)",
            Shape::Copy => "COPY from S3 through the IAM role",
            Shape::LoadErrors => "a bad record's COPY fails and STL_LOAD_ERRORS names it",
            Shape::Window => "window functions (ROW_NUMBER, LAG, LEAD)",
            Shape::Merge => "MERGE from a staged table",
            Shape::UpdateFrom => "UPDATE … FROM",
            Shape::Bookkeeping => "ledger, counts, ANALYZE, temp tables",
            Shape::Alter => "ALTER TABLE forms of dwh migrate",
            Shape::Cleanup => "scratch schema dropped",
        }
    }
}

/// What a probe must do to pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Run without an error.
    Success,
    /// Fail: the deliberately bad record's COPY.
    Failure,
    /// Return at least one row.
    Rows,
}

/// One statement of the doctor, in the order it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    /// What it proves.
    pub shape: Shape,
    /// `copy doctor_events`, `load doctor_users #4`: for the report.
    pub label: String,
    /// The statement.
    pub sql: String,
    /// What passing means.
    pub expect: Expect,
    /// Part of the run transaction: after a failure in it, the rest of it
    /// is not reached (the CLI rolls back).
    pub in_transaction: bool,
}
