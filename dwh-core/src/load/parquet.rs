//! Parquet records into cells: the file's schema checked against the
//! table before any row ([`schema`]), then read row group by row group,
//! each column in batches ([`column`]), so memory stays flat.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use parquet::file::reader::{FileReader, SerializedFileReader};

use super::error::LoadError;
use super::record::{RecordBuf, Records, Unreadable};
use super::source::{Source, SourceFile};
use crate::schema::Table;

mod column;
mod schema;
#[cfg(test)]
mod tests;

use column::ColumnCursor;
use schema::Plan;

/// The records of one Parquet file.
pub struct ParquetRecords {
    reader: SerializedFileReader<File>,
    table: &'static Table,
    plan: Plan,
    /// The row group to open next, and the rows left in the current one.
    next_group: usize,
    rows_left: i64,
    columns: Vec<ColumnCursor>,
    /// The 1-based index of the last row read.
    row: u64,
    bytes_read: u64,
    /// A copy of a file that is not on the local disk, removed on drop.
    _copy: Option<TempCopy>,
}

impl ParquetRecords {
    /// Opens `file`, checking its schema against `table`'s columns.
    pub fn open(
        source: &dyn Source,
        file: &SourceFile,
        table: &'static Table,
    ) -> Result<ParquetRecords, LoadError> {
        let bad = LoadError::bad_file(table, file);
        let io_error = LoadError::io(file);
        let (path, copy) = match source.local_path(file) {
            Some(path) => (path, None),
            None => {
                let copy = TempCopy::of(source, file).map_err(io_error)?;
                (copy.0.clone(), Some(copy))
            }
        };
        let reader = open_reader(&path).map_err(bad)?;
        let plan =
            schema::plan(reader.metadata().file_metadata().schema_descr(), table).map_err(bad)?;
        Ok(ParquetRecords {
            reader,
            table,
            plan,
            next_group: 0,
            rows_left: 0,
            columns: Vec::new(),
            row: 0,
            bytes_read: 0,
            _copy: copy,
        })
    }

    /// Opens the next row group with rows: `false` past the last.
    fn open_group(&mut self) -> io::Result<bool> {
        while self.rows_left == 0 {
            if self.next_group == self.reader.num_row_groups() {
                return Ok(false);
            }
            let group = self
                .reader
                .get_row_group(self.next_group)
                .map_err(invalid)?;
            self.next_group += 1;
            let metadata = group.metadata();
            self.rows_left = metadata.num_rows();
            self.bytes_read += u64::try_from(metadata.compressed_size()).unwrap_or(0);
            let schema = metadata.schema_descr();
            self.columns = self
                .plan
                .iter()
                .map(|&(leaf, read)| {
                    let max_def = schema.column(leaf).max_def_level();
                    let reader = group.get_column_reader(leaf).map_err(invalid)?;
                    Ok(ColumnCursor::new(reader, read, max_def))
                })
                .collect::<io::Result<_>>()?;
        }
        Ok(true)
    }
}

impl Records for ParquetRecords {
    fn next_into(
        &mut self,
        record: &mut RecordBuf,
    ) -> io::Result<Option<(u64, Result<(), Unreadable>)>> {
        if !self.open_group()? {
            return Ok(None);
        }
        self.rows_left -= 1;
        self.row += 1;
        record.cells.clear();
        record.text.clear();
        let mut unreadable = None;
        // Every column moves to the next row, even past a bad value.
        for (i, column) in self.columns.iter_mut().enumerate() {
            match column.next_cell(&mut record.text)? {
                Ok(cell) => record.cells.push(cell),
                Err(reason) => {
                    record.cells.push(crate::load::record::Cell::Null);
                    let name = schema::source_name(&self.table.columns[i]);
                    unreadable.get_or_insert(Unreadable {
                        reason: format!("column `{name}`: {reason}"),
                        records: 1,
                    });
                }
            }
        }
        Ok(Some((self.row, unreadable.map_or(Ok(()), Err))))
    }

    fn bytes_read(&self) -> u64 {
        self.bytes_read
    }
}

fn invalid(e: parquet::errors::ParquetError) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("Parquet: {e}"))
}

fn open_reader(path: &Path) -> Result<SerializedFileReader<File>, String> {
    let file = File::open(path).map_err(|e| format!("cannot open it: {e}"))?;
    SerializedFileReader::new(file).map_err(|e| format!("not a readable Parquet file: {e}"))
}

/// Checks the Parquet file at `path` against `table` without loading it:
/// every column mapped by name, its type loadable into the column; its row
/// count, or what does not fit (naming the column). The Redshift target
/// calls it before it uploads a file, since Redshift's COPY maps Parquet
/// columns by position: the file must hold exactly the table's columns, in
/// the table's order
/// (https://docs.aws.amazon.com/redshift/latest/dg/copy-usage_notes-copy-from-columnar.html).
pub fn check_parquet(path: &Path, table: &'static Table) -> Result<u64, String> {
    let reader = open_reader(path)?;
    let metadata = reader.metadata();
    let schema = metadata.file_metadata().schema_descr();
    let plan = schema::plan(schema, table)?;
    let in_order = plan.len() == schema.num_columns()
        && plan.iter().enumerate().all(|(i, (leaf, _))| *leaf == i);
    if !in_order {
        let file: Vec<&str> = schema.columns().iter().map(|c| c.name()).collect();
        return Err(format!(
            "Redshift's COPY maps Parquet columns by position, and the file's columns are {}: \
             write the columns in the table's order: {}",
            file.join(", "),
            schema::table_names(table)
        ));
    }
    let rows: i64 = metadata.row_groups().iter().map(|g| g.num_rows()).sum();
    Ok(u64::try_from(rows).unwrap_or(0))
}

/// A local copy of a remote file: the Parquet reader seeks (the footer at
/// the end holds the schema and where each row group starts), which a
/// remote stream cannot do. Removed when dropped.
struct TempCopy(PathBuf);

impl TempCopy {
    fn of(source: &dyn Source, file: &SourceFile) -> io::Result<TempCopy> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let name = format!(
            "dwh-{}-{}.parquet",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let copy = TempCopy(std::env::temp_dir().join(name));
        let mut out = File::options().write(true).create_new(true).open(&copy.0)?;
        io::copy(&mut source.open(file)?, &mut out)?;
        out.sync_all()?;
        Ok(copy)
    }
}

impl Drop for TempCopy {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
