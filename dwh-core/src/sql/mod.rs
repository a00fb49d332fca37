//! SQL rendering. Every statement dwh runs is produced here at run time from
//! a [`Table`](crate::schema::Table) and a [`Dialect`]; the derives emit only
//! data.

pub mod checks;
mod copy;
mod ddl;
mod ident;
mod limit;
pub mod redshift;
pub mod registry;
mod transform;

pub use copy::{copy_binary_stdin, copy_from_s3, jsonpaths, S3Copy};
pub use ddl::{
    analyze_table, count_rows, create_table, delete_all, drop_table, truncate_table, IfNotExists,
};
pub use ident::{quote_ident, quote_literal, validate_ident, IdentError};
pub use limit::{Limit, LimitError};
pub use redshift::{redshift_run, RedshiftRun};
pub use transform::{load_statements, LoadStatements};

/// The SQL dialect to render for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// Amazon Redshift: DISTSTYLE, DISTKEY, SORTKEY, ENCODE, IDENTITY, COPY.
    Redshift,
    /// PostgreSQL, the local engine: same logical schema, physical options
    /// dropped.
    Postgres,
}

impl Dialect {
    /// The lower-case name, as used on the command line and in file names.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Redshift => "redshift",
            Dialect::Postgres => "postgres",
        }
    }
}

impl std::str::FromStr for Dialect {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "redshift" => Ok(Dialect::Redshift),
            "postgres" | "postgresql" => Ok(Dialect::Postgres),
            other => Err(format!(
                "unknown dialect `{other}`; expected `redshift` or `postgres`"
            )),
        }
    }
}

pub use copy::{is_region, is_role_arn, is_s3_uri, CopyError};

#[cfg(test)]
mod tests;
