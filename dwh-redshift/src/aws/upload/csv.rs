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

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::Read;
use std::rc::Rc;

use dwh_core::load::{map_header, SourceFile};
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
    /// line each without its line end; the rows it holds.
    pub(super) fn rewrite(
        &self,
        file: &SourceFile,
        input: impl Read,
        write: &mut dyn FnMut(&[u8]) -> anyhow::Result<()>,
    ) -> anyhow::Result<u64> {
        let (input, mut lines) = LineCounting::new(input);
        let mut reader = self.options.reader_builder().from_reader(input);
        let mut record = csv::StringRecord::new();
        let unreadable = |e: csv::Error| anyhow::anyhow!("{}: not CSV: {e}", file.name);
        if !reader.read_record(&mut record).map_err(unreadable)? {
            return Ok(0);
        }
        let map = self.map(&record).map_err(|e| {
            anyhow::anyhow!(
                "{} line 1: the header does not fit table `{}`: {e}",
                file.name,
                self.table.name
            )
        })?;
        let width = record.len();
        let (mut rows, mut line) = (0u64, Vec::new());
        while reader.read_record(&mut record).map_err(unreadable)? {
            let at = lines.line_at(record.position().map_or(0, |p| p.byte()));
            if record.len() != width {
                anyhow::bail!(
                    "{} line {at}: {} fields where the header names {width}",
                    file.name,
                    record.len()
                );
            }
            self.row(&map, &record, &mut line)
                .map_err(|e| anyhow::anyhow!("{} line {at}: {e}", file.name))?;
            write(&line)?;
            rows += 1;
        }
        Ok(rows)
    }

    /// For each table column, the header field holding it; a UTF-8 BOM
    /// before the first name is not part of it.
    fn map(&self, header: &csv::StringRecord) -> Result<Vec<Option<usize>>, String> {
        let names: Vec<&str> = header
            .iter()
            .enumerate()
            .map(|(i, name)| {
                if i == 0 {
                    name.trim_start_matches('\u{feff}')
                } else {
                    name
                }
            })
            .collect();
        map_header(self.table, &names)
    }

    /// One row in the parts' form, without its line end.
    fn row(
        &self,
        map: &[Option<usize>],
        record: &csv::StringRecord,
        out: &mut Vec<u8>,
    ) -> Result<(), String> {
        out.clear();
        for (i, (column, field)) in self.table.columns.iter().zip(map).enumerate() {
            if i > 0 {
                out.push(b',');
            }
            match self.value(column, field.map(|at| &record[at]))? {
                Some(text) => quote(text, out),
                None => out.extend_from_slice(CSV_NULL.as_bytes()),
            }
        }
        Ok(())
    }

    /// A field's value, `None` for NULL: a column the header lacks, the
    /// source's NULL text, or an empty field of a column that is not text
    /// (an empty text field is an empty string), as the local loader reads
    /// them.
    fn value<'r>(
        &self,
        column: &Column,
        field: Option<&'r str>,
    ) -> Result<Option<&'r str>, String> {
        let Some(text) = field else {
            return Ok(None);
        };
        if self.options.null_as.as_deref() == Some(text)
            || (text.is_empty() && !column.ty.is_varchar())
        {
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

/// Where line breaks are in a file as the CSV reader reads it: the csv
/// crate's own line numbers lag behind after a CRLF or a blank line, and
/// an error must name the line a person sees in an editor.
struct LineCounting<R> {
    inner: R,
    offset: u64,
    /// Offset of the last byte that is not `\r` or `\n`.
    last_content: Option<u64>,
    breaks: Rc<RefCell<VecDeque<Break>>>,
}

/// A `\n` at `offset`, after content ending at `after_content`.
struct Break {
    offset: u64,
    after_content: Option<u64>,
}

/// The reading side of [`LineCounting`].
struct Lines {
    breaks: Rc<RefCell<VecDeque<Break>>>,
    passed: u64,
}

impl<R: Read> LineCounting<R> {
    fn new(inner: R) -> (LineCounting<R>, Lines) {
        let breaks = Rc::new(RefCell::new(VecDeque::new()));
        let lines = Lines {
            breaks: Rc::clone(&breaks),
            passed: 0,
        };
        let counting = LineCounting {
            inner,
            offset: 0,
            last_content: None,
            breaks,
        };
        (counting, lines)
    }
}

impl<R: Read> Read for LineCounting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut breaks = self.breaks.borrow_mut();
        for (i, b) in buf[..n].iter().enumerate() {
            let at = self.offset + i as u64;
            match b {
                b'\n' => breaks.push_back(Break {
                    offset: at,
                    after_content: self.last_content,
                }),
                b'\r' => {}
                _ => self.last_content = Some(at),
            }
        }
        self.offset += n as u64;
        Ok(n)
    }
}

impl Lines {
    /// The line of the record the reader reports at byte `start`: 1 and
    /// every break before it, the line ends and blank lines it skipped
    /// from `start` to its first byte included.
    fn line_at(&mut self, start: u64) -> u64 {
        let mut breaks = self.breaks.borrow_mut();
        while let Some(b) = breaks.front() {
            let skipped = b.after_content.is_none_or(|c| c < start);
            if b.offset >= start && !skipped {
                break;
            }
            breaks.pop_front();
            self.passed += 1;
        }
        self.passed + 1
    }
}
