//! The catalog queries that read the live schema of the declared tables,
//! one per row kind of [`super::live`], for each dialect. Names are
//! validated identifiers rendered as literals; no bind parameters (see
//! [`crate::sql::registry`]).
//!
//! Redshift's sources, each from its documented column list:
//! - columns: PG_TABLE_DEF documents the type, encoding (`none` is RAW),
//!   DISTKEY flag, sort key position (alternating signs when interleaved)
//!   and NOT NULL, for the tables of schemas on the search_path, which the
//!   current schema always is
//!   (<https://docs.aws.amazon.com/redshift/latest/dg/r_PG_TABLE_DEF.html>);
//!   SVV_REDSHIFT_COLUMNS adds the ordinal position, the default (an
//!   IDENTITY column's names `identity`) and the comment (`remarks`)
//!   (<https://docs.aws.amazon.com/redshift/latest/dg/r_SVV_REDSHIFT_COLUMNS.html>).
//!   Its own `data_type` is a VARCHAR(32) whose VARCHAR width the
//!   documentation does not show, so the type is PG_TABLE_DEF's;
//!   SVV_ALL_COLUMNS has no encoding or keys.
//! - DISTSTYLE: PG_CLASS_INFO's `reldiststyle` / `releffectivediststyle`
//!   (<https://docs.aws.amazon.com/redshift/latest/dg/r_PG_CLASS_INFO.html>);
//!   SVV_TABLE_INFO has it too but is superuser-only and shows no empty
//!   table (<https://docs.aws.amazon.com/redshift/latest/dg/r_SVV_TABLE_INFO.html>).
//! - table comment: SVV_REDSHIFT_TABLES' `remarks`
//!   (<https://docs.aws.amazon.com/redshift/latest/dg/r_SVV_REDSHIFT_TABLES.html>).
//! - grants: SVV_RELATION_PRIVILEGES
//!   (<https://docs.aws.amazon.com/redshift/latest/dg/r_SVV_RELATION_PRIVILEGES.html>).

use crate::sql::{quote_literal, validate_ident, Dialect};

/// Where the declared tables live: the schema unqualified names resolve
/// to, and the database connected to. On Redshift they are read alone
/// ([`scope_query`]) and rendered as literals into the catalog queries:
/// CURRENT_SCHEMA is a leader-node function that "returns an error if it
/// references a user-created table, an STL or STV system table, or an SVV
/// or SVL system view"
/// (<https://docs.aws.amazon.com/redshift/latest/dg/r_CURRENT_SCHEMA.html>).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    /// `current_schema()`.
    pub schema: String,
    /// `current_database()`.
    pub database: String,
}

/// `current_schema, current_database`, one row, referencing no table, so
/// that it runs on Redshift's leader node.
pub fn scope_query() -> &'static str {
    "SELECT current_schema()::varchar, current_database()::varchar"
}

/// The Redshift catalog queries, each reading either leader-node catalog
/// tables (PG_…) or system views (SVV_…), never both: a query that
/// references a system view runs on the compute nodes
/// (<https://docs.aws.amazon.com/redshift/latest/dg/c_sql-functions-leader-node.html>),
/// where the catalog tables' types and functions are not supported
/// (<https://docs.aws.amazon.com/redshift/latest/dg/c_join_PG.html>).
/// Their rows are joined in Rust ([`super::live::redshift_tables`],
/// [`super::live::redshift_columns`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedshiftQueries {
    /// `table, diststyle` from PG_CLASS_INFO.
    pub distribution: String,
    /// `table, remarks` from SVV_REDSHIFT_TABLES.
    pub table_remarks: String,
    /// `table, column, type, is_nullable, encoding, distkey, sortkey` from
    /// PG_TABLE_DEF ([`super::live::ColumnDef`]).
    pub column_defs: String,
    /// `table, column, ordinal_position, column_default, remarks` from
    /// SVV_REDSHIFT_COLUMNS ([`super::live::ColumnDetail`]).
    pub column_details: String,
    /// `table, grantee, privilege` from SVV_RELATION_PRIVILEGES.
    pub grants: String,
}

impl RedshiftQueries {
    /// Each query with its name, in the order they run.
    pub fn labelled(&self) -> [(&'static str, &str); 5] {
        [
            ("distribution", &self.distribution),
            ("table remarks", &self.table_remarks),
            ("column definitions", &self.column_defs),
            ("column details", &self.column_details),
            ("grants", &self.grants),
        ]
    }
}

/// The Redshift catalog queries for `names` in `scope`.
///
/// # Panics
/// On a name that is not a valid SQL name (the derives validate them).
pub fn redshift_queries(names: &[&str], scope: &Scope) -> RedshiftQueries {
    let list = name_list(names, Dialect::Redshift);
    let schema = quote_literal(&scope.schema, Dialect::Redshift);
    let database = quote_literal(&scope.database, Dialect::Redshift);
    RedshiftQueries {
        distribution: format!(
            "SELECT TRIM(c.relname)::varchar, \
             (CASE WHEN c.reldiststyle IN (0, 1, 8) THEN c.reldiststyle \
             ELSE c.releffectivediststyle END)::int4 \
             FROM pg_class_info c \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = {schema} AND c.relkind = 'r' \
             AND c.relname IN ({list}) ORDER BY 1"
        ),
        table_remarks: format!(
            "SELECT table_name::varchar, remarks::varchar FROM svv_redshift_tables \
             WHERE database_name = {database} AND schema_name = {schema} \
             AND table_name IN ({list}) ORDER BY 1"
        ),
        // PG_TABLE_DEF for what it documents (type as `format_type`
        // prints it, with the VARCHAR width; encoding; distkey; sortkey;
        // notnull), SVV_REDSHIFT_COLUMNS for the order, default and comment.
        column_defs: format!(
            "SELECT d.tablename::varchar, d.\"column\"::varchar, d.type::varchar, \
             CASE WHEN d.\"notnull\" THEN 'NO' ELSE 'YES' END, TRIM(d.encoding)::varchar, \
             d.distkey, d.sortkey::int4 \
             FROM pg_table_def d \
             WHERE d.schemaname = {schema} AND d.tablename IN ({list}) \
             ORDER BY 1, 2"
        ),
        column_details: format!(
            "SELECT table_name::varchar, column_name::varchar, ordinal_position::int4, \
             column_default::varchar, remarks::varchar \
             FROM svv_redshift_columns \
             WHERE database_name = {database} AND schema_name = {schema} \
             AND table_name IN ({list}) ORDER BY 1, 3"
        ),
        grants: format!(
            "SELECT relation_name::varchar, \
             CASE identity_type WHEN 'group' THEN 'GROUP ' || QUOTE_IDENT(identity_name) \
             WHEN 'role' THEN 'ROLE ' || QUOTE_IDENT(identity_name) \
             WHEN 'public' THEN 'PUBLIC' ELSE QUOTE_IDENT(identity_name) END::varchar, \
             privilege_type::varchar \
             FROM svv_relation_privileges \
             WHERE namespace_name = {schema} AND relation_name IN ({list}) \
             ORDER BY 1, 2, 3"
        ),
    }
}

/// PostgreSQL: `table, diststyle, remarks` per existing declared table
/// ([`super::TableRow`]; `diststyle` NULL).
pub fn tables_query(names: &[&str]) -> String {
    let list = name_list(names, Dialect::Postgres);
    format!(
        "SELECT c.relname::text, NULL::int4, obj_description(c.oid, 'pg_class') \
         FROM pg_catalog.pg_class c \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') \
         AND c.relname IN ({list}) ORDER BY 1"
    )
}

/// PostgreSQL: the columns of the declared tables in ordinal order
/// ([`super::ColumnRow`]).
pub fn columns_query(names: &[&str]) -> String {
    let list = name_list(names, Dialect::Postgres);
    format!(
        "SELECT c.relname::text, a.attname::text, format_type(a.atttypid, a.atttypmod), \
         CASE WHEN a.attnotnull THEN 'NO' ELSE 'YES' END, NULL::text, false, 0::int4, \
         CASE WHEN a.attidentity <> '' THEN 'identity' \
         ELSE pg_get_expr(d.adbin, d.adrelid) END, \
         col_description(c.oid, a.attnum) \
         FROM pg_catalog.pg_class c \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid \
         LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum \
         WHERE n.nspname = current_schema() AND c.relname IN ({list}) \
         AND a.attnum > 0 AND NOT a.attisdropped ORDER BY c.relname, a.attnum"
    )
}

/// PostgreSQL: `table, grantee, privilege` for privileges held by others
/// than the owner ([`super::live::GrantRow`]).
pub fn grants_query(names: &[&str]) -> String {
    let list = name_list(names, Dialect::Postgres);
    format!(
        "SELECT c.relname::text, \
         CASE WHEN a.grantee = 0 THEN 'PUBLIC' \
         ELSE quote_ident(pg_get_userbyid(a.grantee)) END, a.privilege_type::text \
         FROM pg_catalog.pg_class c \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         CROSS JOIN LATERAL aclexplode(c.relacl) a \
         WHERE n.nspname = current_schema() AND c.relname IN ({list}) \
         AND a.grantee <> c.relowner ORDER BY 1, 2, 3"
    )
}

/// `'a', 'b'`, each validated as an identifier first.
///
/// # Panics
/// On a name that is not a valid SQL name (the derives validate them).
fn name_list(names: &[&str], dialect: Dialect) -> String {
    names
        .iter()
        .map(|n| {
            if let Err(e) = validate_ident(n) {
                panic!("{e}");
            }
            quote_literal(n, dialect)
        })
        .collect::<Vec<_>>()
        .join(", ")
}
