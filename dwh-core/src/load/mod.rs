//! Staging loads: JSON files streamed into staging tables.
//!
//! Redshift loads staging with COPY from S3 (see [`crate::sql::copy_from_s3`]).
//! The local engine gets the same rows through PostgreSQL's binary COPY:
//! records are parsed on a blocking thread and encoded straight into COPY
//! buffers while the connection streams the previous buffer.

#[doc(hidden)]
pub mod bench;
mod csv;
pub use csv::{map_header, read_header, CsvRecords, HeaderError};
mod encode;
mod error;
pub mod ledger;
mod parquet;
pub mod policy;
mod reader;
mod record;
pub use record::{Cell, RecordBuf, Records, Unreadable};
mod source;
mod staging;
pub(crate) mod testpoint;

pub use parquet::check_parquet;
pub use source::{not_a_source, Checksum, LocalDir, Refused, Source, SourceFile};
pub(crate) use staging::copy_files;
pub use staging::{LoadError, LoadOptions, LoadProgress, Rejected, StagingReport};
