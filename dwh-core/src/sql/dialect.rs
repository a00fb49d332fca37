//! [`Dialect`]: the SQL dialect every statement is rendered for.

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
