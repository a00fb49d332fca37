//! Parquet sources uploaded as they are: Parquet compresses inside the
//! file and a COPY reads it whole, so there is no gzip and no split. A
//! columnar COPY maps the file's columns to the table's by position, and
//! their count must match
//! (<https://docs.aws.amazon.com/redshift/latest/dg/copy-usage_notes-copy-from-columnar.html>),
//! so every file is checked against the table before anything is uploaded:
//! a reordered, missing or extra column is refused with the file named,
//! never loaded into the wrong column.

use anyhow::Context;
use dwh_core::load::{check_parquet, Source, SourceFile};
use dwh_core::schema::Table;
use dwh_core::sql::ledger::LedgerFile;

use super::{Part, Split};

/// Each Parquet file of `files` as one part (the file itself), with its
/// ledger row; the first file that does not fit `table` refuses them all.
pub(super) fn parts(
    source: &dyn Source,
    table: &'static Table,
    files: &[SourceFile],
) -> anyhow::Result<Split> {
    let mut split = Split {
        parts: Vec::with_capacity(files.len()),
        files: Vec::with_capacity(files.len()),
    };
    for file in files {
        let path = source.local_path(file).with_context(|| {
            format!(
                "{}: a Parquet file is uploaded from a local folder",
                file.name
            )
        })?;
        let rows = check_parquet(&path, table).map_err(|e| {
            anyhow::anyhow!("{}: does not fit table `{}`: {e}", file.name, table.name)
        })?;
        let checksum = source
            .checksum(file)
            .with_context(|| format!("reading {}", file.name))?;
        split.parts.push(Part {
            path,
            records: rows,
            raw_bytes: file.size,
        });
        split.files.push(LedgerFile {
            key: file.key.clone(),
            size: file.size,
            modified: file.modified,
            checksum,
            rows,
        });
    }
    Ok(split)
}
