//! The format of a source's files: JSON, CSV or Parquet. A source declares
//! it with [`ProjectBuilder::source_as`](super::ProjectBuilder::source_as),
//! or [`ProjectBuilder::source`](super::ProjectBuilder::source) takes it from
//! the file pattern's extension. Both targets read the same format the same
//! way: the local loader parses it, Redshift's COPY is rendered for it.

use std::fmt;

/// How a source's files are written.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Format {
    /// JSON objects: one per line, several per file, or one per file.
    /// Gzipped files (`.gz`) are read decompressed.
    #[default]
    Json,
    /// Comma-separated values with a header row naming the columns
    /// (RFC 4180 by default). Gzipped files are read decompressed.
    Csv(Csv),
    /// Apache Parquet files; their columns are mapped by name and their
    /// types checked against the table before any row is loaded. Parquet
    /// compresses inside the file, so a `.gz` Parquet file is refused.
    Parquet,
}

/// The `Json` format, for [`crate::load::Source::format`]'s default.
pub(crate) static JSON: Format = Format::Json;

impl Format {
    /// The format a file pattern names by its extension (a trailing `.gz`
    /// aside): `*.csv` is CSV with the default options, `*.parquet` (or
    /// `*.parq`) Parquet, anything else JSON.
    pub fn of_pattern(pattern: &str) -> Format {
        let lower = pattern.to_ascii_lowercase();
        let name = lower.strip_suffix(".gz").unwrap_or(&lower);
        if name.ends_with(".csv") {
            Format::Csv(Csv::default())
        } else if name.ends_with(".parquet") || name.ends_with(".parq") {
            Format::Parquet
        } else {
            Format::Json
        }
    }

    /// `JSON`, `CSV` or `Parquet`, for messages.
    pub fn name(&self) -> &'static str {
        match self {
            Format::Json => "JSON",
            Format::Csv(_) => "CSV",
            Format::Parquet => "Parquet",
        }
    }

    /// Whether files of this format may be gzipped (`.gz`).
    pub fn allows_gzip(&self) -> bool {
        !matches!(self, Format::Parquet)
    }

    /// The options of a CSV source, if this is one.
    pub fn csv(&self) -> Option<&Csv> {
        match self {
            Format::Csv(csv) => Some(csv),
            _ => None,
        }
    }

    /// Why these options cannot be read, if they cannot.
    pub(crate) fn check(&self) -> Result<(), String> {
        match self {
            Format::Csv(csv) => csv.check(),
            Format::Json | Format::Parquet => Ok(()),
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How a CSV source is written. The first row of every file is a header
/// naming the columns, mapped to the staging table's columns by name (the
/// column's source name: `#[dwh(json = "…")]`, else its own name), in any
/// order. A header naming a column the table does not have is refused, as
/// is one that lacks a column declared NOT NULL; a nullable column the
/// header lacks loads NULL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Csv {
    /// The field separator, `,` by default.
    pub delimiter: u8,
    /// The quote character, `"` by default; inside a quoted field, a
    /// doubled quote is one quote (RFC 4180).
    pub quote: u8,
    /// An escape character inside quoted fields (`\` in some exports)
    /// instead of doubled quotes; `None` by default.
    pub escape: Option<u8>,
    /// A field whose whole text is this loads NULL (Redshift's `NULL AS`),
    /// e.g. `NA` or `\N`. An empty field loads NULL into a column that is
    /// not text, and an empty string into a text column, as Redshift's COPY
    /// does.
    pub null_as: Option<String>,
}

impl Default for Csv {
    fn default() -> Csv {
        Csv {
            delimiter: b',',
            quote: b'"',
            escape: None,
            null_as: None,
        }
    }
}

impl Csv {
    /// RFC 4180: `,` between fields, `"` around them, `""` for a quote.
    pub fn new() -> Csv {
        Csv::default()
    }

    /// Fields separated by `delimiter` (`;`, `\t`, `|`).
    pub fn delimiter(mut self, delimiter: u8) -> Csv {
        self.delimiter = delimiter;
        self
    }

    /// Fields quoted by `quote`.
    pub fn quote(mut self, quote: u8) -> Csv {
        self.quote = quote;
        self
    }

    /// A quote inside a quoted field written as `escape` and the quote.
    pub fn escape(mut self, escape: u8) -> Csv {
        self.escape = Some(escape);
        self
    }

    /// A field reading exactly `text` loads NULL.
    pub fn null_as(mut self, text: &str) -> Csv {
        self.null_as = Some(text.to_owned());
        self
    }

    /// A CSV reader of these options that hands back every row, the
    /// header included, with however many fields it has: the caller maps
    /// the header and words a row of the wrong width itself. Shared by the
    /// local loader and the upload, so both read a file the same way.
    pub fn reader_builder(&self) -> csv::ReaderBuilder {
        let mut builder = csv::ReaderBuilder::new();
        builder
            .delimiter(self.delimiter)
            .quote(self.quote)
            .double_quote(self.escape.is_none())
            .escape(self.escape)
            .has_headers(false)
            .flexible(true);
        builder
    }

    fn check(&self) -> Result<(), String> {
        let named = [
            ("delimiter", Some(self.delimiter)),
            ("quote", Some(self.quote)),
            ("escape", self.escape),
        ];
        for (what, byte) in named {
            if let Some(b) = byte {
                if !b.is_ascii() || b == b'\n' || b == b'\r' || b == 0 {
                    return Err(format!(
                        "the CSV {what} {:?} must be one ASCII character other than a line break",
                        char::from(b)
                    ));
                }
            }
        }
        if self.delimiter == self.quote || Some(self.delimiter) == self.escape {
            return Err(format!(
                "the CSV delimiter {:?} is also its quote or escape character",
                char::from(self.delimiter)
            ));
        }
        if let Some(null) = &self.null_as {
            let special =
                |b: u8| b == self.delimiter || b == self.quote || b == b'\n' || b == b'\r';
            if null.is_empty() || null.bytes().any(special) {
                return Err(format!(
                    "the CSV NULL text {null:?} must be non-empty, without the delimiter, the \
                     quote or a line break"
                ));
            }
        }
        Ok(())
    }
}
