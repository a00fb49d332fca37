//! The checked table model the code generator works from. It mirrors
//! `dwh_core::schema`; Rust types and paths stay as syn nodes because the
//! generated code names them.

use proc_macro2::Span;
use syn::{Ident, Path, Type};

/// Which derive is expanding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Derive {
    Staging,
    Dimension,
    Fact,
    Row,
}

impl Derive {
    pub fn is_table(self) -> bool {
        self != Derive::Row
    }

    pub fn name(self) -> &'static str {
        match self {
            Derive::Staging => "StagingTable",
            Derive::Dimension => "DimTable",
            Derive::Fact => "FactTable",
            Derive::Row => "Row",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DistStyle {
    Auto,
    Even,
    All,
    Key,
}

impl DistStyle {
    const ALL: [DistStyle; 4] = [Self::Auto, Self::Even, Self::Key, Self::All];

    pub fn names() -> impl Iterator<Item = &'static str> {
        Self::ALL.into_iter().map(Self::name)
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.name() == s)
    }

    /// The attribute spelling, e.g. `even`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Even => "even",
            Self::All => "all",
            Self::Key => "key",
        }
    }

    /// The `dwh_core::schema::DistStyle` variant name.
    pub fn variant(self) -> &'static str {
        match self {
            Self::Auto => "Auto",
            Self::Even => "Even",
            Self::All => "All",
            Self::Key => "Key",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortStyle {
    Compound,
    Interleaved,
}

/// Redshift's compression encodings, as the attribute spells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EncodeName {
    Raw,
    Az64,
    Bytedict,
    Delta,
    Delta32k,
    Lzo,
    Mostly8,
    Mostly16,
    Mostly32,
    Runlength,
    Text255,
    Text32k,
    Zstd,
}

impl EncodeName {
    const ALL: [EncodeName; 13] = [
        Self::Raw,
        Self::Az64,
        Self::Bytedict,
        Self::Delta,
        Self::Delta32k,
        Self::Lzo,
        Self::Mostly8,
        Self::Mostly16,
        Self::Mostly32,
        Self::Runlength,
        Self::Text255,
        Self::Text32k,
        Self::Zstd,
    ];

    pub fn all() -> impl Iterator<Item = EncodeName> {
        Self::ALL.into_iter()
    }

    pub fn names() -> impl Iterator<Item = &'static str> {
        Self::all().map(Self::name)
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::all().find(|e| e.name() == s)
    }

    /// The attribute spelling, e.g. `az64`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Raw => "raw",
            Self::Az64 => "az64",
            Self::Bytedict => "bytedict",
            Self::Delta => "delta",
            Self::Delta32k => "delta32k",
            Self::Lzo => "lzo",
            Self::Mostly8 => "mostly8",
            Self::Mostly16 => "mostly16",
            Self::Mostly32 => "mostly32",
            Self::Runlength => "runlength",
            Self::Text255 => "text255",
            Self::Text32k => "text32k",
            Self::Zstd => "zstd",
        }
    }

    /// The `dwh_core::schema::Encode` variant name.
    pub fn variant(self) -> &'static str {
        match self {
            Self::Raw => "Raw",
            Self::Az64 => "Az64",
            Self::Bytedict => "Bytedict",
            Self::Delta => "Delta",
            Self::Delta32k => "Delta32k",
            Self::Lzo => "Lzo",
            Self::Mostly8 => "Mostly8",
            Self::Mostly16 => "Mostly16",
            Self::Mostly32 => "Mostly32",
            Self::Runlength => "Runlength",
            Self::Text255 => "Text255",
            Self::Text32k => "Text32k",
            Self::Zstd => "Zstd",
        }
    }
}

/// How the transform fills a column.
pub enum FillModel {
    None,
    /// `(alias, column)`: `None` alias is the load source.
    Column(Option<String>, String),
    Expr(String),
}

/// A column whose existence in another table is asserted at compile time.
pub struct ColumnRequirement {
    pub table: Path,
    pub column: String,
    pub message: String,
    pub span: Span,
}

pub struct ColumnModel {
    pub field: Ident,
    pub name: String,
    /// The Rust type without `Option`.
    pub ty: Type,
    pub nullable: bool,
    pub varchar_len: Option<u32>,
    pub encode: Option<EncodeName>,
    pub identity: bool,
    pub json: Option<(String, bool)>,
    pub fill: FillModel,
    pub references: Option<Path>,
    /// For a reference to a type-2 dimension: the fact column whose time
    /// picks the version.
    pub as_of: Option<String>,
    /// The field's `///` text.
    pub doc: String,
}

pub struct LookupModel {
    pub table: Path,
    pub alias: String,
    pub on: Vec<(String, String)>,
    pub joins: Vec<JoinModel>,
}

/// A table inner-joined to a looked-up one (`lookup(..., join(...))`).
pub struct JoinModel {
    pub table: Path,
    pub alias: String,
    pub key: Vec<(String, String)>,
    pub on: Vec<(String, String)>,
}

impl LoadModel {
    /// Every alias a fill may name besides `src`, with its table: each
    /// lookup's and each of its joins'.
    pub fn aliases(&self) -> impl Iterator<Item = (&str, &Path)> {
        self.lookups.iter().flat_map(|l| {
            std::iter::once((l.alias.as_str(), &l.table))
                .chain(l.joins.iter().map(|j| (j.alias.as_str(), &j.table)))
        })
    }
}

pub struct LoadModel {
    pub source: Path,
    pub filter: Option<String>,
    pub latest_by: Option<String>,
    pub tie_break: Option<String>,
    pub lookups: Vec<LookupModel>,
}

pub struct TableModel {
    pub ident: Ident,
    pub derive: Derive,
    pub name: String,
    pub dist_style: DistStyle,
    pub dist_key: Option<String>,
    pub sort_key: Option<(SortStyle, Vec<String>)>,
    pub natural_key: Vec<String>,
    pub primary_key: Vec<String>,
    pub columns: Vec<ColumnModel>,
    pub load: Option<LoadModel>,
    pub requirements: Vec<ColumnRequirement>,
    /// `history = scd2`: the type-2 columns.
    pub history: Option<crate::history::HistoryModel>,
    /// The struct's `///` text.
    pub doc: String,
}
