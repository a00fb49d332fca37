//! The live schema of a table, in a model comparable with the structs:
//! [`LiveTable::declared`] puts a struct into the same shape.
//!
//! Both dialects' catalog queries ([`super::catalog`]) return plain rows
//! ([`TableRow`], [`ColumnRow`], [`GrantRow`]) and [`assemble`] builds the
//! model from them, so Redshift's side is tested with fixture rows written
//! from the documented column lists.

use serde::Serialize;

use super::types::parse_type;
use crate::schema::{DistStyle, Encode, SortStyle, SqlType, Table};
use crate::sql::Dialect;

/// A table as the warehouse has it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LiveTable {
    /// The table's name.
    pub name: String,
    /// Columns in their live order.
    pub columns: Vec<LiveColumn>,
    /// Redshift's distribution; `None` on PostgreSQL, which has none.
    pub dist: Option<LiveDist>,
    /// Redshift's sort key; `None` when there is none (always locally).
    pub sort_key: Option<LiveSortKey>,
    /// The table comment; empty when there is none.
    pub doc: String,
    /// Privileges granted on the table to others than its owner: a deep
    /// copy grants them again on the new table.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub grants: Vec<Grant>,
}

/// A live column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LiveColumn {
    /// Its name.
    pub name: String,
    /// Its type as the catalog prints it.
    pub type_name: String,
    /// Its type, when it is one dwh declares.
    #[serde(skip)]
    pub ty: Option<SqlType>,
    /// Whether NULL is allowed.
    pub nullable: bool,
    /// Redshift's compression encoding; `None` on PostgreSQL.
    #[serde(skip)]
    pub encode: Option<Encode>,
    /// An IDENTITY column.
    pub identity: bool,
    /// Its DEFAULT expression (not an IDENTITY's): Redshift cannot alter
    /// the type of such a column, so a migration rebuilds the table.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// The largest value of a declared IDENTITY column, read on Redshift
    /// (`None` when the table is empty or it was not read): a deep copy
    /// keeps the keys and seeds its new IDENTITY past it.
    #[serde(skip)]
    pub high: Option<i64>,
    /// The column comment; empty when there is none.
    pub doc: String,
}

/// Redshift DISTSTYLE, with the key column for KEY.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum LiveDist {
    /// DISTSTYLE AUTO (whatever Redshift currently picked).
    Auto,
    /// DISTSTYLE EVEN.
    Even,
    /// DISTSTYLE ALL.
    All,
    /// DISTSTYLE KEY on this column.
    Key(String),
}

/// A Redshift sort key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LiveSortKey {
    /// Compound or interleaved.
    #[serde(serialize_with = "sort_style")]
    pub style: SortStyle,
    /// Columns in sort order.
    pub columns: Vec<String>,
}

fn sort_style<S: serde::Serializer>(style: &SortStyle, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(match style {
        SortStyle::Compound => "compound",
        SortStyle::Interleaved => "interleaved",
    })
}

/// A privilege on a table: `GRANT privilege ON t TO grantee`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Grant {
    /// `SELECT`, `INSERT`, …
    pub privilege: String,
    /// Who holds it, already in GRANT syntax: `"analyst"`, `GROUP "bi"`,
    /// `ROLE "r"` or `PUBLIC`.
    pub grantee: String,
}

/// One row of the table query: `table, diststyle, remarks`. `diststyle`
/// is Redshift's PG_CLASS_INFO code (NULL locally).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRow {
    /// Table name.
    pub table: String,
    /// PG_CLASS `reldiststyle` (0 EVEN, 1 KEY, 8 ALL) or, for AUTO, the
    /// `releffectivediststyle` (10, 11, 12).
    pub diststyle: Option<i32>,
    /// The table comment.
    pub remarks: Option<String>,
}

/// One row of the column query, in ordinal order:
/// `table, column, data_type, is_nullable, encoding, distkey, sortkey,
/// column_default, remarks` (the names of SVV_REDSHIFT_COLUMNS; type, encoding,
/// keys and NOT NULL as PG_TABLE_DEF has them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnRow {
    /// Table name.
    pub table: String,
    /// Column name.
    pub column: String,
    /// Type as the catalog prints it.
    pub data_type: String,
    /// `YES` / `NO`.
    pub is_nullable: String,
    /// Redshift's encoding (`none` is RAW); NULL locally.
    pub encoding: Option<String>,
    /// The DISTKEY column.
    pub distkey: bool,
    /// Position in the sort key (negative: interleaved), 0 when not in it.
    pub sortkey: i32,
    /// The default expression; an IDENTITY column's mentions `identity`.
    pub column_default: Option<String>,
    /// The column comment.
    pub remarks: Option<String>,
}

impl ColumnRow {
    /// A column's definition with its default and comment.
    pub fn new(def: ColumnDef, column_default: Option<String>, remarks: Option<String>) -> Self {
        ColumnRow {
            table: def.table,
            column: def.column,
            data_type: def.data_type,
            is_nullable: def.is_nullable,
            encoding: def.encoding,
            distkey: def.distkey,
            sortkey: def.sortkey,
            column_default,
            remarks,
        }
    }
}

/// One row of the grants query: `table, grantee, privilege`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantRow {
    /// Table name.
    pub table: String,
    /// The grantee in GRANT syntax (see [`Grant::grantee`]).
    pub grantee: String,
    /// The privilege.
    pub privilege: String,
}

/// One row of Redshift's PG_TABLE_DEF query
/// ([`super::catalog::RedshiftQueries::column_defs`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnDef {
    /// Table name.
    pub table: String,
    /// Column name.
    pub column: String,
    /// Type as `format_type` prints it.
    pub data_type: String,
    /// `YES` / `NO`.
    pub is_nullable: String,
    /// The encoding (`none` is RAW).
    pub encoding: Option<String>,
    /// The DISTKEY column.
    pub distkey: bool,
    /// Position in the sort key (negative: interleaved), 0 when not in it.
    pub sortkey: i32,
}

/// One row of Redshift's SVV_REDSHIFT_COLUMNS query
/// ([`super::catalog::RedshiftQueries::column_details`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnDetail {
    /// Table name.
    pub table: String,
    /// Column name.
    pub column: String,
    /// The column's position in its table.
    pub ordinal: i32,
    /// The default expression; an IDENTITY column's mentions `identity`.
    pub column_default: Option<String>,
    /// The column comment.
    pub remarks: Option<String>,
}

/// Redshift's table rows: each table PG_CLASS_INFO lists (`dist`: table,
/// diststyle code) with its comment from SVV_REDSHIFT_TABLES (`remarks`:
/// table, remarks), none when that view has no row for it.
pub fn redshift_tables(
    dist: &[(String, Option<i32>)],
    remarks: &[(String, Option<String>)],
) -> Vec<TableRow> {
    dist.iter()
        .map(|(table, diststyle)| TableRow {
            table: table.clone(),
            diststyle: *diststyle,
            remarks: remarks
                .iter()
                .find(|(t, _)| t == table)
                .and_then(|(_, r)| r.clone()),
        })
        .collect()
}

/// Redshift's column rows, in each table's ordinal order: a column both
/// PG_TABLE_DEF and SVV_REDSHIFT_COLUMNS list (the inner join the two
/// catalogs cannot do in one query).
pub fn redshift_columns(defs: &[ColumnDef], details: &[ColumnDetail]) -> Vec<ColumnRow> {
    let mut details: Vec<&ColumnDetail> = details.iter().collect();
    details.sort_by(|a, b| (&a.table, a.ordinal).cmp(&(&b.table, b.ordinal)));
    details
        .into_iter()
        .filter_map(|detail| {
            let def = defs
                .iter()
                .find(|d| d.table == detail.table && d.column == detail.column)?;
            let (default, remarks) = (detail.column_default.clone(), detail.remarks.clone());
            Some(ColumnRow::new(def.clone(), default, remarks))
        })
        .collect()
}

/// The live tables found in the rows, in the order of `tables`.
pub fn assemble(
    tables: &[TableRow],
    columns: &[ColumnRow],
    grants: &[GrantRow],
    dialect: Dialect,
) -> Vec<LiveTable> {
    tables
        .iter()
        .map(|t| {
            let rows: Vec<&ColumnRow> = columns.iter().filter(|c| c.table == t.table).collect();
            LiveTable {
                name: t.table.clone(),
                columns: rows.iter().map(|r| live_column(r, dialect)).collect(),
                dist: (dialect == Dialect::Redshift).then(|| live_dist(t.diststyle, &rows)),
                sort_key: live_sort_key(&rows),
                doc: text(&t.remarks),
                grants: grants
                    .iter()
                    .filter(|g| g.table == t.table)
                    .map(|g| Grant {
                        privilege: g.privilege.to_ascii_uppercase(),
                        grantee: g.grantee.clone(),
                    })
                    .collect(),
            }
        })
        .collect()
}

fn text(value: &Option<String>) -> String {
    value.as_deref().unwrap_or("").trim().to_owned()
}

fn live_column(row: &ColumnRow, dialect: Dialect) -> LiveColumn {
    let identity = row
        .column_default
        .as_deref()
        .is_some_and(|d| d.to_ascii_lowercase().contains("identity"));
    let ty = parse_type(&row.data_type);
    LiveColumn {
        name: row.column.clone(),
        // Known types in dwh's spelling, so a live table equals its struct.
        type_name: ty.map_or_else(|| row.data_type.trim().to_owned(), |t| t.to_string()),
        ty,
        nullable: !row.is_nullable.trim().eq_ignore_ascii_case("no"),
        encode: match dialect {
            Dialect::Redshift => row.encoding.as_deref().and_then(encoding),
            Dialect::Postgres => None,
        },
        identity,
        default: row.column_default.clone().filter(|_| !identity),
        high: None,
        doc: text(&row.remarks),
    }
}

/// PG_TABLE_DEF and SVV_REDSHIFT_COLUMNS print RAW as `none`.
fn encoding(name: &str) -> Option<Encode> {
    use Encode::*;
    let all = [
        Raw, Az64, Bytedict, Delta, Delta32k, Lzo, Mostly8, Mostly16, Mostly32, Runlength, Text255,
        Text32k, Zstd,
    ];
    let name = name.trim();
    if name.eq_ignore_ascii_case("none") {
        return Some(Raw);
    }
    all.into_iter()
        .find(|e| e.keyword().eq_ignore_ascii_case(name))
}

/// PG_CLASS_INFO's codes
/// (<https://docs.aws.amazon.com/redshift/latest/dg/r_PG_CLASS_INFO.html>):
/// 0 EVEN, 1 KEY, 8 ALL, 10–12 AUTO(ALL/EVEN/KEY); the key column is the
/// one whose `distkey` is true.
fn live_dist(code: Option<i32>, rows: &[&ColumnRow]) -> LiveDist {
    let key = rows.iter().find(|r| r.distkey).map(|r| r.column.clone());
    match (code, key) {
        (Some(1), Some(key)) => LiveDist::Key(key),
        (Some(8), _) => LiveDist::All,
        (Some(0), _) => LiveDist::Even,
        _ => LiveDist::Auto,
    }
}

/// The sort key from the per-column positions: "if the table uses an
/// interleaved sort key, each column that is part of the sort key has a
/// value that is alternately positive or negative"
/// (<https://docs.aws.amazon.com/redshift/latest/dg/r_PG_TABLE_DEF.html>).
fn live_sort_key(rows: &[&ColumnRow]) -> Option<LiveSortKey> {
    let mut keyed: Vec<(i32, String)> = rows
        .iter()
        .filter(|r| r.sortkey != 0)
        .map(|r| (r.sortkey.abs(), r.column.clone()))
        .collect();
    if keyed.is_empty() {
        return None;
    }
    keyed.sort();
    let interleaved = rows.iter().any(|r| r.sortkey < 0);
    Some(LiveSortKey {
        style: if interleaved {
            SortStyle::Interleaved
        } else {
            SortStyle::Compound
        },
        columns: keyed.into_iter().map(|(_, c)| c).collect(),
    })
}

impl LiveTable {
    /// The column named `name`.
    pub fn column(&self, name: &str) -> Option<&LiveColumn> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// `table` as it would be live right after dwh created it: what a live
    /// table is compared with. PostgreSQL has no physical design, so only
    /// the logical parts are set; a column declared without ENCODE lets
    /// Redshift choose, so its encoding is not compared (`None`).
    pub fn declared(table: &Table, dialect: Dialect) -> LiveTable {
        let redshift = dialect == Dialect::Redshift;
        LiveTable {
            name: table.name.to_owned(),
            columns: table
                .columns
                .iter()
                .map(|c| LiveColumn {
                    name: c.name.to_owned(),
                    type_name: c.ty.to_string(),
                    ty: Some(c.ty),
                    nullable: c.nullable,
                    encode: if redshift { c.encode } else { None },
                    identity: c.identity,
                    default: None,
                    high: None,
                    doc: c.doc.trim().to_owned(),
                })
                .collect(),
            dist: redshift.then(|| declared_dist(table)),
            sort_key: table.sort_key.filter(|_| redshift).map(|s| LiveSortKey {
                style: s.style,
                columns: s.columns.iter().map(|c| c.to_string()).collect(),
            }),
            doc: table.doc.trim().to_owned(),
            grants: Vec::new(),
        }
    }
}

fn declared_dist(table: &Table) -> LiveDist {
    match (table.dist_style, table.dist_key) {
        (DistStyle::Key, Some(key)) => LiveDist::Key(key.to_owned()),
        (DistStyle::All, _) => LiveDist::All,
        (DistStyle::Even, _) => LiveDist::Even,
        _ => LiveDist::Auto,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def(table: &str, column: &str, sortkey: i32) -> ColumnDef {
        ColumnDef {
            table: table.into(),
            column: column.into(),
            data_type: "integer".into(),
            is_nullable: "NO".into(),
            encoding: Some("az64".into()),
            distkey: column == "b",
            sortkey,
        }
    }

    fn detail(table: &str, column: &str, ordinal: i32, remarks: &str) -> ColumnDetail {
        ColumnDetail {
            table: table.into(),
            column: column.into(),
            ordinal,
            column_default: None,
            remarks: Some(remarks.into()),
        }
    }

    /// PG_TABLE_DEF's rows in name order and SVV_REDSHIFT_COLUMNS' rows
    /// out of order become one row per column in ordinal order, with the
    /// definition of the same table's same column.
    #[test]
    fn redshift_columns_join_definitions_to_details_by_table_and_column() {
        let defs = [def("u", "a", 0), def("t", "a", 2), def("t", "b", 1)];
        let details = [
            detail("t", "a", 2, "second"),
            detail("u", "a", 1, "other table"),
            detail("t", "b", 1, "first"),
        ];
        let rows = redshift_columns(&defs, &details);
        let seen: Vec<(&str, &str, i32, bool, &str)> = rows
            .iter()
            .map(|r| {
                let remarks = r.remarks.as_deref().unwrap_or("");
                (
                    r.table.as_str(),
                    r.column.as_str(),
                    r.sortkey,
                    r.distkey,
                    remarks,
                )
            })
            .collect();
        assert_eq!(
            seen,
            [
                ("t", "b", 1, true, "first"),
                ("t", "a", 2, false, "second"),
                ("u", "a", 0, false, "other table"),
            ]
        );
    }

    #[test]
    fn redshift_tables_take_their_remarks_or_none() {
        let dist = [("t".to_owned(), Some(1)), ("u".to_owned(), Some(8))];
        let remarks = [("u".to_owned(), Some("facts".to_owned()))];
        let rows = redshift_tables(&dist, &remarks);
        assert_eq!(rows[0].remarks, None);
        assert_eq!(rows[1].remarks.as_deref(), Some("facts"));
        assert_eq!(rows[1].diststyle, Some(8));
    }
}
