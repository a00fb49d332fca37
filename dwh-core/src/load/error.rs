//! Why a staging load failed, and the bad records it names.

use std::fmt;
use std::io;
use std::path::PathBuf;

use serde::Serialize;

use super::source::SourceFile;
use crate::schema::Table;

/// A record that could not be loaded, and where it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejected {
    /// The file, as the source names it.
    pub file: String,
    /// The 1-based line the record starts on.
    pub line: u64,
    /// The 1-based position of the record in its file.
    pub record: u64,
    /// The column whose value is bad, when one is.
    pub column: Option<&'static str>,
    /// The Rust field the column is declared as.
    pub field: Option<&'static str>,
    /// What is wrong, for a person.
    pub reason: String,
}

impl fmt::Display for Rejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{} (record {})", self.file, self.line, self.record)?;
        if let (Some(column), Some(field)) = (self.column, self.field) {
            write!(f, ", column `{column}` (field `{field}`)")?;
        }
        write!(f, ": {}", self.reason)
    }
}

#[derive(Debug, thiserror::Error)]
/// Why a staging load failed; in every case nothing was loaded.
pub enum LoadError {
    #[error("staging table `{0}` has no source in this run; give every staging table one")]
    /// The run plan loads a table it was given no source for.
    NoSource(&'static str),
    #[error(
        "no source files under {0}; point --data at a directory holding the project's sources"
    )]
    /// The source has no files.
    NoFiles(String),
    #[error("cannot list the source files of {location}: {source}")]
    /// The source's files could not be listed.
    List {
        /// The source's location.
        location: String,
        /// The underlying error.
        source: io::Error,
    },
    #[error("cannot read {file}: {source}")]
    /// A file could not be read.
    Io {
        /// The file.
        file: String,
        /// The underlying error.
        source: io::Error,
    },
    #[error("bad record in `{table}` at {rejected}\n  nothing was loaded; fix the record, or pass --max-errors N to skip up to N bad records into a rejects file")]
    /// A bad record, with `max_errors` zero.
    BadRecord {
        /// The staging table.
        table: &'static str,
        /// The record and what is wrong with it.
        rejected: Box<Rejected>,
    },
    #[error(
        "more than {max} bad records in `{table}`; the one over the limit is at {rejected}\n  nothing was loaded; the first {max} are listed in {}",
        rejects.display()
    )]
    /// More bad records than `max_errors`.
    TooManyBadRecords {
        /// The staging table.
        table: &'static str,
        /// The `max_errors` allowed.
        max: u64,
        /// The first record over the limit.
        rejected: Box<Rejected>,
        /// The rejects file holding the others.
        rejects: PathBuf,
    },
    #[error("--max-errors {0} needs a rejects file to write skipped records to; bad records are never skipped silently")]
    /// `max_errors` above zero but no rejects file given.
    NoRejectsFile(u64),
    #[error("cannot write rejects file {path}: {source}")]
    /// The rejects file could not be written.
    Rejects {
        /// The rejects file.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    #[error("COPY into `{table}` failed: {source}")]
    /// The database refused the COPY.
    Copy {
        /// The staging table.
        table: &'static str,
        /// The server's error.
        source: tokio_postgres::Error,
    },
    #[error("cannot load {file} into `{table}`: {reason}\n  nothing was loaded; fix the file or the staging table's columns")]
    /// A whole file that cannot be loaded: a CSV header or a Parquet
    /// schema that does not fit the table. Never skipped by `max_errors`:
    /// skipping it would leave out every record it holds.
    BadFile {
        /// The staging table.
        table: &'static str,
        /// The file.
        file: String,
        /// What does not fit, naming the line and column where one is at fault.
        reason: String,
    },
    #[error("the load of `{0}` stopped unexpectedly")]
    /// The reading side of the load ended without reporting an error.
    Interrupted(&'static str),
}

impl LoadError {
    /// `file` could not be read.
    pub fn io(file: &SourceFile) -> impl Fn(io::Error) -> LoadError + Copy + '_ {
        move |source| LoadError::Io {
            file: file.name.clone(),
            source,
        }
    }

    /// `file` as a whole does not fit `table`, for `reason`.
    pub fn bad_file<'a>(
        table: &'static Table,
        file: &'a SourceFile,
    ) -> impl Fn(String) -> LoadError + Copy + 'a {
        move |reason| LoadError::BadFile {
            table: table.name,
            file: file.name.clone(),
            reason,
        }
    }
}
