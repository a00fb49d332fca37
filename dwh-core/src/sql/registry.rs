//! The registry of the tables dwh created (`dwh_registry`), and the run
//! lock taken on it.
//!
//! dwh writes to, fills and drops only tables listed here: a database may
//! hold tables of the same names that belong to someone else (an
//! application's `users`), and `CREATE TABLE IF NOT EXISTS` would silently
//! skip them. Rows are written in the transaction that creates the tables,
//! so a table is registered exactly when it exists.
//!
//! Every statement renders the same for both dialects except the current
//! time, and binds no parameters (Redshift infers parameter types
//! differently from PostgreSQL): names are validated identifiers rendered
//! as literals.

use super::dialect::Dialect;
use super::ident::{quote_ident, quote_literal, validate_ident};
use crate::schema::{SqlType, Table};

/// The registry table's name.
pub const REGISTRY: &str = "dwh_registry";

/// How a table came to be registered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// dwh created it.
    Created,
    /// It existed with the declared columns (built by a dwh release from
    /// before the registry) and `create-tables --adopt` took it over.
    Adopted,
}

impl Origin {
    /// The value stored in the registry's `origin` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Created => "created",
            Origin::Adopted => "adopted",
        }
    }
}

/// `CREATE TABLE IF NOT EXISTS dwh_registry (...)`. A tiny table: no
/// physical options, so the same statement runs on both dialects.
pub fn create_registry() -> String {
    format!(
        "CREATE TABLE IF NOT EXISTS {} (\n    \
         table_name VARCHAR(127) NOT NULL,\n    \
         created_at TIMESTAMP NOT NULL,\n    \
         dwh_version VARCHAR(32) NOT NULL,\n    \
         origin VARCHAR(16) NOT NULL\n)",
        quote_ident(REGISTRY)
    )
}

/// The run lock: `LOCK dwh_registry`, the first statement of a write
/// transaction on Redshift, which has no advisory locks. Redshift's LOCK
/// takes an ACCESS EXCLUSIVE lock, waits for a conflicting one to be
/// released, and holds it until the transaction ends
/// (<https://docs.aws.amazon.com/redshift/latest/dg/r_LOCK.html>).
/// PostgreSQL's `LOCK name` defaults to ACCESS EXCLUSIVE too, so the same
/// statement is tested on the local engine. Needs the registry to exist
/// (committed) before the transaction begins: see
/// [`before_redshift_transaction`].
pub fn lock_registry() -> String {
    format!("LOCK {}", quote_ident(REGISTRY))
}

/// What a Redshift write transaction runs before its `BEGIN`, each
/// statement committed on its own: the registry, so that [`lock_registry`]
/// can be the transaction's first statement. Redshift takes a
/// transaction's snapshot "on the first occurrence of most SELECT
/// statements, DML commands … and … CREATE TABLE"; creating the registry
/// inside the transaction took it before the lock, and a run that waited
/// on the lock then read the ledger as it was before the other run
/// committed. The remedy is to "lock all tables at the beginning of the
/// transaction" (<https://docs.aws.amazon.com/redshift/latest/dg/c_serial_isolation.html>).
/// The price: a run refused afterwards (a declared table that is not
/// dwh's) leaves this empty registry behind, and two very first runs
/// started at once may see one fail on creating it, changing nothing.
pub fn before_redshift_transaction() -> Vec<String> {
    vec![create_registry()]
}

/// Registers `table` as dwh's, now, with this dwh's version.
pub fn register(table: &str, origin: Origin, dialect: Dialect) -> String {
    format!(
        "INSERT INTO {} (table_name, created_at, dwh_version, origin) VALUES ({}, {}, {}, {})",
        quote_ident(REGISTRY),
        name_literal(table, dialect),
        now_utc(dialect),
        quote_literal(env!("CARGO_PKG_VERSION"), dialect),
        quote_literal(origin.as_str(), dialect),
    )
}

/// Registers `table` unless the registry already holds it: the Redshift
/// run creates with `IF NOT EXISTS` after the ownership check, so a table
/// present then is registered already and a new one is registered here.
pub fn register_if_new(table: &str, origin: Origin, dialect: Dialect) -> String {
    format!(
        "INSERT INTO {registry} (table_name, created_at, dwh_version, origin) \
         SELECT {name}, {now}, {version}, {origin} \
         WHERE NOT EXISTS (SELECT 1 FROM {registry} WHERE table_name = {name})",
        registry = quote_ident(REGISTRY),
        name = name_literal(table, dialect),
        now = now_utc(dialect),
        version = quote_literal(env!("CARGO_PKG_VERSION"), dialect),
        origin = quote_literal(origin.as_str(), dialect),
    )
}

/// Removes `table` from the registry (it was dropped).
pub fn unregister(table: &str, dialect: Dialect) -> String {
    format!(
        "DELETE FROM {} WHERE table_name = {}",
        quote_ident(REGISTRY),
        name_literal(table, dialect)
    )
}

/// The names of the registered tables.
pub fn registered_tables() -> String {
    format!("SELECT table_name FROM {}", quote_ident(REGISTRY))
}

/// Which of `names` exist, as any relation (table or view), in the schema
/// where unqualified names are created and first looked up
/// (`current_schema()`). One row per name found, as `name`. Redshift
/// keeps the standard PostgreSQL catalog tables
/// (<https://docs.aws.amazon.com/redshift/latest/dg/c_intro_catalog_views.html>;
/// its own examples join PG_CLASS and PG_NAMESPACE the same way).
/// A view of a declared name counts: CREATE TABLE IF NOT EXISTS would skip
/// it too.
pub fn existing_relations(names: &[&str], dialect: Dialect) -> String {
    let list: Vec<String> = names.iter().map(|n| name_literal(n, dialect)).collect();
    format!(
        "SELECT c.relname FROM pg_catalog.pg_class c \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = current_schema() AND c.relname IN ({})",
        list.join(", ")
    )
}

/// The live columns of `table` in the current schema, in order:
/// `column_name, data_type, character_maximum_length`.
pub fn live_columns(table: &str, dialect: Dialect) -> String {
    format!(
        "SELECT column_name, data_type, character_maximum_length \
         FROM information_schema.columns \
         WHERE table_schema = current_schema() AND table_name = {} \
         ORDER BY ordinal_position",
        name_literal(table, dialect)
    )
}

/// What [`live_columns`] reads for each declared column of `table`:
/// `(name, data_type, character_maximum_length)`.
pub fn declared_columns(table: &Table) -> Vec<(String, String, Option<i32>)> {
    table
        .columns
        .iter()
        .map(|c| {
            let (ty, len) = match c.ty {
                SqlType::SmallInt => ("smallint", None),
                SqlType::Integer => ("integer", None),
                SqlType::BigInt => ("bigint", None),
                SqlType::Real => ("real", None),
                SqlType::Double => ("double precision", None),
                SqlType::Boolean => ("boolean", None),
                SqlType::Varchar(n) => ("character varying", Some(n as i32)),
                SqlType::Date => ("date", None),
                SqlType::Timestamp => ("timestamp without time zone", None),
                SqlType::TimestampTz => ("timestamp with time zone", None),
                SqlType::Numeric { .. } => ("numeric", None),
            };
            (c.name.to_owned(), ty.to_owned(), len)
        })
        .collect()
}

/// A table name as a string literal, validated as an identifier first.
///
/// # Panics
/// On a name that fails [`validate_ident`], as [`quote_ident`] does.
fn name_literal(name: &str, dialect: Dialect) -> String {
    if let Err(e) = validate_ident(name) {
        panic!("{e}");
    }
    quote_literal(name, dialect)
}

/// The current time in UTC as a TIMESTAMP. Redshift: `GETDATE()` (UTC
/// unless the session time zone was changed); CURRENT_TIMESTAMP and NOW()
/// are leader-node-only there and cannot feed an INSERT into a user table
/// (<https://docs.aws.amazon.com/redshift/latest/dg/c_SQL_functions_leader_node_only.html>).
fn now_utc(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Redshift => "GETDATE()",
        Dialect::Postgres => "(now() AT TIME ZONE 'UTC')",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_statements_render_for_both_dialects() {
        assert_eq!(lock_registry(), "LOCK \"dwh_registry\"");
        assert!(create_registry().starts_with("CREATE TABLE IF NOT EXISTS \"dwh_registry\" ("));
        let redshift = register("users", Origin::Created, Dialect::Redshift);
        assert!(
            redshift.contains("VALUES ('users', GETDATE(), '"),
            "{redshift}"
        );
        assert!(redshift.ends_with(", 'created')"), "{redshift}");
        let postgres = register("users", Origin::Adopted, Dialect::Postgres);
        assert!(
            postgres.contains("(now() AT TIME ZONE 'UTC')"),
            "{postgres}"
        );
        assert!(postgres.ends_with(", 'adopted')"), "{postgres}");
        assert_eq!(
            unregister("users", Dialect::Redshift),
            "DELETE FROM \"dwh_registry\" WHERE table_name = 'users'"
        );
        assert!(existing_relations(&["users", "songs"], Dialect::Postgres)
            .ends_with("c.relname IN ('users', 'songs')"));
    }

    #[test]
    #[should_panic(expected = "not a valid SQL name")]
    fn names_are_validated_before_they_become_literals() {
        register(
            "users'; DROP TABLE x; --",
            Origin::Created,
            Dialect::Postgres,
        );
    }
}
