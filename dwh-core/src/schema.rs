//! The schema model: plain `&'static` descriptions of tables that the derive
//! macros emit as constants. Nothing here knows SQL text; `crate::sql` renders it.

use std::fmt;

/// The role a table plays in the warehouse, which decides how it is loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableKind {
    /// Loaded raw from JSON sources (COPY on Redshift, binary COPY locally).
    Staging,
    /// A de-duplicated dimension, filled from staging.
    Dimension,
    /// A fact table, filled from staging with lookups.
    Fact,
}

/// Redshift DISTSTYLE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DistStyle {
    /// Redshift picks and changes the style by table size.
    Auto,
    /// Rows spread round-robin over the slices.
    Even,
    /// A full copy on every node: for small dimensions joined often.
    All,
    /// Rows placed by the hash of [`Table::dist_key`], co-locating joins on it.
    Key,
}

/// COMPOUND or INTERLEAVED sort key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortStyle {
    /// Sorts by the columns in order: best when filters use the leading column.
    Compound,
    /// Weighs every column equally: for filters on any of them.
    Interleaved,
}

/// A Redshift SORTKEY: its style and columns, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SortKey {
    /// Compound or interleaved.
    pub style: SortStyle,
    /// Column names, in sort order.
    pub columns: &'static [&'static str],
}

/// The SQL type of a column, shared by both dialects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqlType {
    /// 16-bit integer.
    SmallInt,
    /// 32-bit integer.
    Integer,
    /// 64-bit integer.
    BigInt,
    /// 32-bit float.
    Real,
    /// 64-bit float.
    Double,
    /// `BOOLEAN`.
    Boolean,
    /// VARCHAR with a length in bytes (Redshift counts bytes, not characters).
    Varchar(u32),
    /// Calendar date.
    Date,
    /// Timestamp without time zone.
    Timestamp,
    /// Timestamp with time zone (stored as UTC).
    TimestampTz,
    /// Exact decimal.
    Numeric {
        /// Total digits.
        precision: u8,
        /// Digits after the point.
        scale: u8,
    },
}

impl SqlType {
    /// Redshift's longest VARCHAR, `VARCHAR(MAX)`.
    pub const VARCHAR_MAX: u32 = 65535;

    /// `SMALLINT`, `INTEGER` or `BIGINT`.
    pub const fn is_integer(self) -> bool {
        matches!(self, SqlType::SmallInt | SqlType::Integer | SqlType::BigInt)
    }

    /// A `VARCHAR` of any length.
    pub const fn is_varchar(self) -> bool {
        matches!(self, SqlType::Varchar(_))
    }

    /// `DATE`, `TIMESTAMP` or `TIMESTAMPTZ`.
    pub const fn is_temporal(self) -> bool {
        matches!(
            self,
            SqlType::Date | SqlType::Timestamp | SqlType::TimestampTz
        )
    }
}

impl fmt::Display for SqlType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            SqlType::SmallInt => f.write_str("SMALLINT"),
            SqlType::Integer => f.write_str("INTEGER"),
            SqlType::BigInt => f.write_str("BIGINT"),
            SqlType::Real => f.write_str("REAL"),
            SqlType::Double => f.write_str("DOUBLE PRECISION"),
            SqlType::Boolean => f.write_str("BOOLEAN"),
            SqlType::Varchar(len) => write!(f, "VARCHAR({len})"),
            SqlType::Date => f.write_str("DATE"),
            SqlType::Timestamp => f.write_str("TIMESTAMP"),
            SqlType::TimestampTz => f.write_str("TIMESTAMPTZ"),
            SqlType::Numeric { precision, scale } => write!(f, "NUMERIC({precision},{scale})"),
        }
    }
}

/// Redshift column compression encodings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encode {
    /// RAW: no compression.
    Raw,
    /// AZ64: Amazon's encoding for numbers, dates and timestamps.
    Az64,
    /// BYTEDICT: a dictionary of up to 256 values per block.
    Bytedict,
    /// DELTA: 1-byte differences between consecutive values.
    Delta,
    /// DELTA32K: 2-byte differences.
    Delta32k,
    /// LZO.
    Lzo,
    /// MOSTLY8: 8-bit storage for values that mostly fit.
    Mostly8,
    /// MOSTLY16: 16-bit storage for values that mostly fit.
    Mostly16,
    /// MOSTLY32: 32-bit storage for values that mostly fit.
    Mostly32,
    /// RUNLENGTH: value and repeat count; for long runs of one value.
    Runlength,
    /// TEXT255: dictionary of words, for VARCHAR.
    Text255,
    /// TEXT32K: like TEXT255, with a larger dictionary per block.
    Text32k,
    /// ZSTD: general-purpose, good on mixed data.
    Zstd,
}

impl Encode {
    /// The keyword after `ENCODE` in Redshift DDL.
    pub const fn keyword(self) -> &'static str {
        match self {
            Encode::Raw => "RAW",
            Encode::Az64 => "AZ64",
            Encode::Bytedict => "BYTEDICT",
            Encode::Delta => "DELTA",
            Encode::Delta32k => "DELTA32K",
            Encode::Lzo => "LZO",
            Encode::Mostly8 => "MOSTLY8",
            Encode::Mostly16 => "MOSTLY16",
            Encode::Mostly32 => "MOSTLY32",
            Encode::Runlength => "RUNLENGTH",
            Encode::Text255 => "TEXT255",
            Encode::Text32k => "TEXT32K",
            Encode::Zstd => "ZSTD",
        }
    }

    /// Whether Redshift accepts this encoding on a column of `ty`
    /// (the table "Compression encodings" in the Redshift developer guide).
    pub const fn suits(self, ty: SqlType) -> bool {
        use SqlType::*;
        match self {
            Encode::Raw | Encode::Zstd | Encode::Runlength => true,
            Encode::Bytedict => !matches!(ty, Boolean),
            Encode::Lzo => !matches!(ty, Boolean | Real | Double),
            Encode::Az64 => matches!(
                ty,
                SmallInt | Integer | BigInt | Numeric { .. } | Date | Timestamp | TimestampTz
            ),
            Encode::Delta => matches!(
                ty,
                SmallInt | Integer | BigInt | Numeric { .. } | Date | Timestamp | TimestampTz
            ),
            Encode::Delta32k => matches!(
                ty,
                Integer | BigInt | Numeric { .. } | Date | Timestamp | TimestampTz
            ),
            Encode::Mostly8 => matches!(ty, SmallInt | Integer | BigInt | Numeric { .. }),
            Encode::Mostly16 => matches!(ty, Integer | BigInt | Numeric { .. }),
            Encode::Mostly32 => matches!(ty, BigInt | Numeric { .. }),
            Encode::Text255 | Encode::Text32k => matches!(ty, Varchar(_)),
        }
    }
}

/// How a JSON source value is read into a staging column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JsonField {
    /// The key in each source object (jsonpath `$['key']`).
    pub key: &'static str,
    /// The value is epoch milliseconds to load into a TIMESTAMP
    /// (Redshift COPY `TIMEFORMAT 'epochmillisecs'`).
    pub epoch_millis: bool,
}

/// Where a dimension or fact column gets its value during the transform.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fill {
    /// Not filled from staging (IDENTITY columns, staging tables).
    None,
    /// A column of the source table (`src`) or of a lookup (`alias.column`).
    Column(&'static str),
    /// An SQL expression over the source and lookups, for computed columns.
    Expr(&'static str),
}

/// One column of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// SQL column name.
    pub name: &'static str,
    /// The Rust field it was declared as, for error messages.
    pub field: &'static str,
    /// SQL type, the same in both dialects.
    pub ty: SqlType,
    /// Whether NULL is allowed (Rust `Option<T>` fields); NOT NULL otherwise.
    pub nullable: bool,
    /// Redshift compression encoding; `None` lets Redshift choose.
    pub encode: Option<Encode>,
    /// An IDENTITY surrogate key, generated by the database.
    pub identity: bool,
    /// Staging only: the JSON key this column is read from.
    pub json: Option<JsonField>,
    /// Dimensions and facts: how the transform fills the column.
    pub fill: Fill,
    /// Facts: the dimension this column refers to (an informational FK).
    pub references: Option<&'static Table>,
    /// Facts: for a reference to a type-2 dimension, the fact column (a
    /// timestamp) that picks the version: the one valid at that time.
    pub as_of: Option<&'static str>,
    /// The field's `///` doc comment; empty when there is none.
    pub doc: &'static str,
    /// The field's Rust type as declared, e.g. `Option<String>`; empty for
    /// hand-written descriptions.
    pub rust_type: &'static str,
}

impl Column {
    /// A plain column; the other properties are set with struct update syntax.
    pub const fn new(name: &'static str, ty: SqlType) -> Column {
        Column {
            name,
            field: name,
            ty,
            nullable: true,
            encode: None,
            identity: false,
            json: None,
            fill: Fill::None,
            references: None,
            as_of: None,
            doc: "",
            rust_type: "",
        }
    }
}

/// A LEFT JOIN a fact uses to look values up, e.g. songs by title, artist
/// and duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lookup {
    /// The dimension (or other table) joined.
    pub table: &'static Table,
    /// The alias the lookup is joined as; fill columns name it as `alias.column`.
    pub alias: &'static str,
    /// Equalities `alias.column = source expression`.
    pub on: &'static [(&'static str, &'static str)],
    /// Tables inner-joined to `table` before the match, e.g. `songs` with
    /// `artists` to match a play's song title and artist name together.
    pub joins: &'static [LookupJoin],
}

/// A table inner-joined to a looked-up one: `(songs AS s JOIN artists AS a
/// ON a.artist_id = s.artist_id)`, the whole matched against the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LookupJoin {
    /// The table joined.
    pub table: &'static Table,
    /// Its alias; fill columns may name it as `alias.column`.
    pub alias: &'static str,
    /// Equalities `alias.column = expression over the tables joined before`.
    pub key: &'static [(&'static str, &'static str)],
    /// Equalities `alias.column = source expression`, matched like the
    /// lookup's own `on`.
    pub on: &'static [(&'static str, &'static str)],
}

impl Lookup {
    /// The tables of the lookup: its own and its joins'.
    pub fn tables(&self) -> impl Iterator<Item = &'static Table> + '_ {
        std::iter::once(self.table).chain(self.joins.iter().map(|j| j.table))
    }
}

/// How a dimension or fact is filled from a staging table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Load {
    /// The staging table, joined as `src`.
    pub source: &'static Table,
    /// An SQL condition on the source rows, e.g. `src.page = 'NextSong'`.
    pub filter: Option<&'static str>,
    /// The de-duplication order: of several source rows with the same
    /// natural key, the one with the greatest value of this expression wins.
    pub latest_by: Option<&'static str>,
    /// Among rows with the same natural key and `latest_by`, the one with
    /// the greatest value of this expression wins. Rows still tied are
    /// ordered by every loaded column, ascending, so the pick is always
    /// total (see [`crate::sql::load_statements`]).
    pub tie_break: Option<&'static str>,
    /// LEFT JOINs whose columns fill fact columns (`alias.column`).
    pub lookups: &'static [Lookup],
}

/// A type-2 slowly changing dimension (`#[dwh(history = scd2)]`): every
/// change of a tracked column starts a new version of the key's row
/// instead of overwriting it (see [`crate::sql::load_statements`]). Of all the rows
/// with one natural key, the versions cover time from the first one's
/// `valid_from` without gap or overlap, and exactly one is current.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct History {
    /// Columns whose change starts a new version; the others are type 1,
    /// the same on every version of a key (its latest source row's).
    pub tracked: &'static [&'static str],
    /// `TIMESTAMP NOT NULL`: when the version began, the load's `latest_by`.
    pub valid_from: &'static str,
    /// Nullable `TIMESTAMP`: when the next version began; NULL while current.
    pub valid_to: &'static str,
    /// `BOOLEAN NOT NULL`: true on the key's latest version only.
    pub is_current: &'static str,
}

impl History {
    /// The three columns the history load fills itself.
    pub fn roles(&self) -> [&'static str; 3] {
        [self.valid_from, self.valid_to, self.is_current]
    }
}

/// A table description, as the derives emit it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Table {
    /// SQL table name.
    pub name: &'static str,
    /// The Rust type it was declared as.
    pub rust_name: &'static str,
    /// Staging, dimension or fact: decides how it is loaded and checked.
    pub kind: TableKind,
    /// Columns in declaration order.
    pub columns: &'static [Column],
    /// Redshift DISTSTYLE.
    pub dist_style: DistStyle,
    /// The DISTKEY column, with [`DistStyle::Key`].
    pub dist_key: Option<&'static str>,
    /// Redshift SORTKEY, if any.
    pub sort_key: Option<SortKey>,
    /// Columns of the natural key: one row per key after a load.
    pub natural_key: &'static [&'static str],
    /// Columns of the (informational on Redshift) primary key.
    pub primary_key: &'static [&'static str],
    /// How a dimension or fact is filled; `None` for staging tables.
    pub load: Option<Load>,
    /// A type-2 dimension's history columns; `None` for type 1 (one row
    /// per natural key, overwritten).
    pub history: Option<History>,
    /// The struct's `///` doc comment (what the table holds and why it is
    /// distributed and sorted as it is); empty when there is none.
    pub doc: &'static str,
}

impl Table {
    /// A table of `kind` named `name`, with no columns, keys or load, EVEN
    /// and unsorted; the other properties are set with struct update
    /// syntax, as for [`Column::new`].
    pub const fn new(name: &'static str, kind: TableKind) -> Table {
        Table {
            name,
            rust_name: name,
            kind,
            columns: &[],
            dist_style: DistStyle::Even,
            dist_key: None,
            sort_key: None,
            natural_key: &[],
            primary_key: &[],
            load: None,
            doc: "",
            history: None,
        }
    }

    /// The column named `name` (SQL name), if any.
    pub fn column(&self, name: &str) -> Option<&'static Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// A fact without a natural key (`#[dwh(keyless)]`): an append-only
    /// event fact rebuilt in full from staging on every transform (see
    /// [`crate::sql::load_statements`]), since nothing identifies a row
    /// already loaded.
    pub fn is_keyless(&self) -> bool {
        self.kind == TableKind::Fact && self.natural_key.is_empty() && self.load.is_some()
    }

    /// Columns a load writes: every column but IDENTITY ones.
    pub fn loaded_columns(&self) -> impl Iterator<Item = &'static Column> {
        self.columns.iter().filter(|c| !c.identity)
    }

    /// Whether any column reads epoch milliseconds into a timestamp.
    pub fn has_epoch_millis(&self) -> bool {
        self.columns
            .iter()
            .any(|c| c.json.is_some_and(|j| j.epoch_millis))
    }

    /// Tables this one must be loaded after: its source, lookups and references.
    pub fn depends_on(&self) -> Vec<&'static Table> {
        let mut deps: Vec<&'static Table> = Vec::new();
        let mut push = |t: &'static Table| {
            if !deps.iter().any(|d| d.name == t.name) {
                deps.push(t);
            }
        };
        if let Some(load) = &self.load {
            push(load.source);
            load.lookups
                .iter()
                .flat_map(Lookup::tables)
                .for_each(&mut push);
        }
        self.columns
            .iter()
            .filter_map(|c| c.references)
            .for_each(&mut push);
        deps
    }
}

/// Implemented by `#[derive(StagingTable)]`.
pub trait StagingTable {
    /// The table's description.
    const TABLE: Table;
}

/// Implemented by `#[derive(DimTable)]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a dimension table",
    label = "`references` must name a type with `#[derive(DimTable)]`",
    note = "add `#[derive(DimTable)]` to `{Self}`, or reference a dimension instead"
)]
pub trait DimTable {
    /// The table's description.
    const TABLE: Table;
}

/// Implemented by `#[derive(FactTable)]`.
pub trait FactTable {
    /// The table's description.
    const TABLE: Table;
}

/// Any table the source of a load or a lookup may name.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a dwh table",
    label = "expected a type with `#[derive(StagingTable)]`, `#[derive(DimTable)]` or `#[derive(FactTable)]`"
)]
pub trait AnyTable {
    /// The table's description; lets a load name any kind of table.
    const TABLE: Table;
}
