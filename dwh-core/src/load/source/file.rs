//! [`SourceFile`]: one input file of a source, as listings report it.

use chrono::NaiveDateTime;

/// One input file of a source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// How the file is named in messages and reports (a path or URI).
    pub name: String,
    /// Its size in bytes, for progress.
    pub size: u64,
    /// Its identity in the load ledger: its path below the source's folder
    /// or prefix, `/`-separated, so the same file is known wherever the
    /// data directory is.
    pub key: String,
    /// When it last changed, when the source tells.
    pub modified: Option<NaiveDateTime>,
    /// A checksum the source knows without reading the file (an S3 ETag).
    pub etag: Option<String>,
}

impl SourceFile {
    /// A file known by `name` and `key` only.
    pub fn new(name: impl Into<String>, key: impl Into<String>, size: u64) -> SourceFile {
        SourceFile {
            name: name.into(),
            size,
            key: key.into(),
            modified: None,
            etag: None,
        }
    }
}
