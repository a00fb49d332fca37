//! CSV sources rewritten for Redshift's CSV COPY. Whatever a file's
//! delimiter, quote, column order, NULL text, BOM or line ends, every part
//! holds the one form the COPY names (`dwh_core::sql::CopyFormat::Csv`):
//! RFC 4180 with `,` and `"`, LF, no BOM, one header row naming the
//! table's columns in table order, every value quoted, and NULL written as
//! the unquoted [`CSV_NULL`]. So a file with a reordered header and one
//! without a nullable column load the same, and the COPY's column list is
//! the table's.
//!
//! Bad input refuses the upload with the file and line, before anything
//! is written to S3, as a record that is not JSON does: a header the table
//! does not fit (line 1, naming the column), a row whose width is not the
//! header's, and a value equal to [`CSV_NULL`] that the source does not
//! declare as NULL (the uploaded parts could not tell it from NULL).

use std::io::Read;

use anyhow::Context;
use dwh_core::load::{Cell, CsvRecords, RecordBuf, Records, SourceFile};
use dwh_core::project::Csv;
use dwh_core::schema::{Column, Table};
use dwh_core::sql::CSV_NULL;

/// The options the uploaded parts are read back with, locally (`dwh all
/// --data s3://…`) as by the COPY: RFC 4180 and NULL as [`CSV_NULL`].
pub fn uploaded_form() -> Csv {
    Csv::new().null_as(CSV_NULL)
}

/// One CSV source's rewriting into parts: its options and its table.
pub(super) struct CsvParts<'a> {
    pub(super) options: &'a Csv,
    pub(super) table: &'static Table,
}

impl CsvParts<'_> {
    /// The header row every part starts with: the table's columns by the
    /// names a CSV source gives them, so the parts read back by name too.
    pub(super) fn header(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for (i, column) in self.table.columns.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            quote(source_name(column), &mut out);
        }
        out
    }

    /// Rewrites the rows of `file` (read from `input`) into `write`, one
    /// line each without its line end; the rows it holds. The file is read
    /// by dwh-core's CSV reader, the one the local loader uses, so a file
    /// is read, mapped and refused the same way on both targets.
    pub(super) fn rewrite(
        &self,
        file: &SourceFile,
        input: impl Read,
        write: &mut dyn FnMut(&[u8]) -> anyhow::Result<()>,
    ) -> anyhow::Result<u64> {
        let mut records = CsvRecords::new(input, self.table, self.options, file)?;
        let (mut record, mut line, mut rows) = (RecordBuf::default(), Vec::new(), 0u64);
        while let Some((at, read)) = records
            .next_into(&mut record)
            .with_context(|| format!("reading {}", file.name))?
        {
            let written = read
                .map_err(|bad| bad.reason)
                .and_then(|()| self.row(&record, &mut line));
            if let Err(why) = written {
                anyhow::bail!("{} line {at}: {why}", file.name);
            }
            write(&line)?;
            rows += 1;
        }
        Ok(rows)
    }

    /// One row in the parts' form, without its line end.
    fn row(&self, record: &RecordBuf, out: &mut Vec<u8>) -> Result<(), String> {
        out.clear();
        for (i, (column, cell)) in self.table.columns.iter().zip(&record.cells).enumerate() {
            if i > 0 {
                out.push(b',');
            }
            match value(column, *cell, record)? {
                Some(text) => quote(text, out),
                None => out.extend_from_slice(CSV_NULL.as_bytes()),
            }
        }
        Ok(())
    }
}

/// A cell's text, `None` for NULL: a column the header lacks, the source's
/// NULL text, or an empty field of a column that is not text (an empty
/// text field is an empty string), as the local loader reads them.
fn value<'r>(
    column: &Column,
    cell: Cell,
    record: &'r RecordBuf,
) -> Result<Option<&'r str>, String> {
    let Cell::Str(start, end) = cell else {
        return Ok(None);
    };
    let text = record.str(start, end);
    if text.is_empty() && !column.ty.is_varchar() {
        return Ok(None);
    }
    if text == CSV_NULL {
        return Err(format!(
            "column `{}` holds {CSV_NULL:?}, the text the uploaded parts use for NULL; \
             if it means NULL, declare it the source's NULL text (Csv::null_as)",
            source_name(column)
        ));
    }
    Ok(Some(text))
}

/// The name a CSV header gives `column`: its source key, else its name.
fn source_name(column: &Column) -> &'static str {
    column.json.map_or(column.name, |j| j.key)
}

/// `text` quoted for RFC 4180: in `"`, a `"` inside doubled.
fn quote(text: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    for b in text.bytes() {
        if b == b'"' {
            out.push(b'"');
        }
        out.push(b);
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests;
