//! SQL rendering. Every statement dwh runs is produced here at run time from
//! a [`Table`](crate::schema::Table) and a [`Dialect`]; the derives emit only
//! data.
//!
//! Every function takes a [`Table`](crate::schema::Table) description (the
//! `TABLE` constant a derive emits) and returns the SQL text; nothing here
//! touches a database, so the SQL of a whole run can be reviewed,
//! snapshot-tested or run by other tools.
//!
//! ```
//! use dwh_core::sql::{self, Dialect, IfNotExists, S3Copy};
//! use dwh_core::{DimTable, StagingTable};
//!
//! #[derive(StagingTable)]
//! #[dwh(table = "staging_users")]
//! pub struct StagingUser {
//!     #[dwh(json = "userId")]
//!     pub user_id: Option<i32>,
//!     #[dwh(varchar = 64)]
//!     pub name: Option<String>,
//! }
//!
//! #[derive(DimTable)]
//! #[dwh(table = "users", diststyle = all, source = StagingUser)]
//! pub struct User {
//!     #[dwh(natural_key)]
//!     pub user_id: i32,
//!     #[dwh(varchar = 64)]
//!     pub name: Option<String>,
//! }
//!
//! let staging = &<StagingUser as StagingTable>::TABLE;
//! let users = &<User as DimTable>::TABLE;
//!
//! // CREATE TABLE, with Redshift's physical design.
//! assert_eq!(
//!     sql::create_table(users, Dialect::Redshift, IfNotExists::Yes),
//!     "CREATE TABLE IF NOT EXISTS \"users\" (\n    \"user_id\" INTEGER NOT NULL,\n    \
//!      \"name\" VARCHAR(64)\n)\nDISTSTYLE ALL"
//! );
//!
//! // The local engine's staging load: binary COPY from the client.
//! assert_eq!(
//!     sql::copy_binary_stdin(staging),
//!     r#"COPY "staging_users" ("user_id", "name") FROM STDIN (FORMAT binary)"#
//! );
//!
//! // Redshift's staging load from S3. `userId` is not the column's name, so
//! // COPY needs the jsonpaths document (`sql::jsonpaths`) uploaded to S3.
//! assert!(sql::jsonpaths(staging).contains(r#""$['userId']""#));
//! let mut copy = S3Copy {
//!     format: sql::CopyFormat::Json,
//!     from: "s3://my-bucket/users/".into(),
//!     iam_role: "arn:aws:iam::123456789012:role/dwh".into(),
//!     region: "us-west-2".into(),
//!     jsonpaths: None,
//!     manifest: false,
//!     gzip: false,
//!     max_errors: 0,
//! };
//! assert!(sql::copy_from_s3(staging, &copy).is_err());
//! copy.jsonpaths = Some("s3://my-bucket/jsonpaths/staging_users.json".into());
//! let copy_sql = sql::copy_from_s3(staging, &copy)?;
//! assert!(copy_sql.starts_with(
//!     "COPY \"staging_users\" (\"user_id\", \"name\")\nFROM 's3://my-bucket/users/'\n"
//! ));
//! assert!(copy_sql.contains("FORMAT AS JSON 's3://my-bucket/jsonpaths/staging_users.json'"));
//! // Values are checked, never pasted: a quote cannot end the literal.
//! copy.iam_role = "arn:aws:iam::123456789012:role/x' --".into();
//! assert!(sql::copy_from_s3(staging, &copy).is_err());
//!
//! // The dimension's load: one row per natural key, upserted. PostgreSQL
//! // merges from a subquery; Redshift's MERGE needs a table, so its load
//! // goes through a temporary one, first cut to the rows that change.
//! let local = sql::load_statements(users, Dialect::Postgres).unwrap();
//! assert_eq!(local.statements.len(), 1);
//! assert!(local.statements[0].starts_with("MERGE INTO \"users\" AS t\nUSING (\n"));
//! let redshift = sql::load_statements(users, Dialect::Redshift).unwrap();
//! assert_eq!(redshift.statements.len(), 5);
//! assert!(redshift.statements[1].starts_with("CREATE TEMP TABLE \"__dwh_new_users\" AS"));
//! assert!(redshift.statements[2].starts_with("DELETE FROM \"__dwh_new_users\""));
//! // Staging tables are loaded by COPY, not from another table.
//! assert!(sql::load_statements(staging, Dialect::Redshift).is_none());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod checks;
mod copy;
pub(crate) mod ddl;
mod dialect;
pub(crate) mod history;
mod ident;
pub mod ledger;
mod limit;
pub mod registry;
pub mod row_counts;
pub mod run;
pub mod runs;
mod transform;
pub mod unmatched;

#[cfg(feature = "test-hooks")]
pub use transform::planted_fault;

pub use copy::{copy_binary_stdin, copy_from_s3, jsonpaths, CopyFormat, S3Copy, CSV_NULL};
pub use ddl::{
    analyze_staging, analyze_table, comment_on_column, comment_on_table, comment_statements,
    count_rows, create_table, delete_all, drop_table, key_index, key_index_name, truncate_table,
    IfNotExists,
};
pub use dialect::Dialect;
pub use ident::{quote_ident, quote_list, quote_literal, validate_ident, IdentError};
pub use limit::{Limit, LimitError};
pub use run::{redshift_run, run_plan, Parts, RedshiftRun, RunPlan, S3Batch, StagingFrom};
pub use transform::{load_statements, LoadStatements};

pub use copy::{is_region, is_role_arn, is_s3_uri, CopyError};

#[cfg(test)]
mod tests;
