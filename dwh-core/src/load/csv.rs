//! CSV records into cells. The header row is mapped to the table's columns
//! by name ([`map_header`]); each later row becomes one record whose fields
//! are copied, as one block of text, into the [`RecordBuf`] the encoder
//! reads, so a row allocates nothing once the buffers have grown.
//!
//! The rows are parsed by `csv_core` (the parser under the `csv` crate,
//! configured as [`Csv::reader_builder`] configures it) over a buffer of our
//! own, because the `csv` crate's reader hides two things a bad file needs:
//! whether the file ended inside a quoted field (it silently closes the
//! field, merging the rest of the file into it), and the line a record
//! starts on (its position points before the `\n` of a CRLF and before
//! blank lines).

use std::io::{self, Read};

use csv_core::ReadRecordResult;

use super::error::LoadError;
use super::record::MAX_RECORD_BYTES;
use super::record::{Cell, RecordBuf, Records, Unreadable};
use super::source::SourceFile;
use crate::project::Csv;
use crate::schema::Table;

/// Bytes read from the input at a time.
const BLOCK: usize = 64 * 1024;
/// The UTF-8 byte order mark some tools write before the header.
const BOM: &[u8] = b"\xef\xbb\xbf";

/// Why a header below line 1 is refused.
const HEADER_NOT_FIRST: &str = "the file starts with a blank line: the header must be line 1, \
                                the line Redshift's COPY skips as the header";

/// The records of one CSV file.
pub struct CsvRecords<R> {
    rows: RowReader<R>,
    table: &'static Table,
    /// For each column of the table, the field holding it.
    columns: Vec<Option<usize>>,
    /// For each field, the column it holds (every field holds one).
    field_columns: Vec<usize>,
    /// The header's field count: every row must have as many.
    width: usize,
    null_as: Option<Box<[u8]>>,
    quote: u8,
}

impl<R: Read> CsvRecords<R> {
    /// Reads `input`'s header and maps it to `table`'s columns. A header
    /// that does not fit is a [`LoadError::BadFile`]: every row of the
    /// file would load into the wrong columns or not at all.
    pub fn new(
        input: R,
        table: &'static Table,
        options: &Csv,
        file: &SourceFile,
    ) -> Result<CsvRecords<R>, LoadError> {
        let bad_file = LoadError::bad_file(table, file);
        let io_error = LoadError::io(file);
        let mut records = CsvRecords {
            rows: RowReader::new(input, options).map_err(io_error)?,
            table,
            columns: Vec::new(),
            field_columns: Vec::new(),
            width: 0,
            null_as: options.null_as.as_deref().map(|n| n.as_bytes().into()),
            quote: options.quote,
        };
        // A file without a header (no bytes, or blank lines only) has no rows.
        let names = match read_names(&mut records.rows) {
            Ok(Some(names)) => names,
            Ok(None) => return Ok(records),
            Err(HeaderError::Io(e)) => return Err(io_error(e)),
            Err(bad) => return Err(bad_file(bad.to_string())),
        };
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        records
            .map_columns(&names)
            .map_err(|why| bad_file(format!("the header on line 1: {why}")))?;
        Ok(records)
    }

    /// Maps the header's fields to the table's columns.
    fn map_columns(&mut self, names: &[&str]) -> Result<(), String> {
        self.columns = map_header(self.table, names)?;
        self.width = names.len();
        self.field_columns = vec![0; self.width];
        for (column, field) in self.columns.iter().enumerate() {
            if let Some(field) = field {
                self.field_columns[*field] = column;
            }
        }
        Ok(())
    }

    /// Fills `record` from the row just read, one cell per column.
    fn fill(&self, row: Row, record: &mut RecordBuf) -> Result<(), Unreadable> {
        if let Some(fault) = row.fault {
            return Err(unreadable(fault.to_string()));
        }
        if self.rows.fields() != self.width {
            return Err(unreadable(format!(
                "{} fields where the header names {}",
                self.rows.fields(),
                self.width
            )));
        }
        let text = self.rows.text();
        if let Some(field) = self.blank_before_quote(text) {
            return Err(self.blank_before_quote_error(field));
        }
        let text = std::str::from_utf8(text).map_err(|e| self.not_utf8(e.valid_up_to()))?;
        record.text.clear();
        record.text.push_str(text);
        record.cells.clear();
        let null_as = self.null_as.as_deref();
        record
            .cells
            .extend(self.columns.iter().map(|field| match *field {
                None => Cell::Missing,
                Some(i) => {
                    let (start, end) = self.rows.range(i);
                    if null_as == Some(&text.as_bytes()[start..end]) {
                        Cell::Null
                    } else {
                        Cell::Str(start, end)
                    }
                }
            }));
        Ok(())
    }

    /// The first field that is blanks and then a quote: a quoted value
    /// written after blanks, which the parser reads as unquoted text.
    #[inline]
    fn blank_before_quote(&self, text: &[u8]) -> Option<usize> {
        (0..self.rows.fields()).find(|&i| {
            let (start, end) = self.rows.range(i);
            let field = &text[start..end];
            matches!(field.first(), Some(b' ' | b'\t'))
                && field.iter().find(|&&b| b != b' ' && b != b'\t') == Some(&self.quote)
        })
    }

    /// Redshift: "When a field is enclosed in quotes, white space between
    /// the delimiters and the quote characters is ignored"
    /// (https://docs.aws.amazon.com/redshift/latest/dg/copy-parameters-data-format.html).
    /// RFC 4180 and csv-core keep it, and the quotes, as text: rather than
    /// load other values than the cluster would, the row is refused.
    #[cold]
    fn blank_before_quote_error(&self, field: usize) -> Unreadable {
        let column = self.table.columns[self.field_columns[field]].name;
        unreadable(format!(
            "column `{column}` (field {}) has blanks before its opening quote, which Redshift's \
             COPY drops and the local load would keep with the quotes: remove the blanks",
            field + 1
        ))
    }

    /// The row is not UTF-8 from byte `at` of its text on: names the field.
    #[cold]
    fn not_utf8(&self, at: usize) -> Unreadable {
        let field = (0..self.rows.fields())
            .find(|&i| self.rows.range(i).1 > at)
            .unwrap_or(0);
        let column = self.table.columns[self.field_columns[field]].name;
        unreadable(format!(
            "column `{column}` (field {}) is not valid UTF-8 text",
            field + 1
        ))
    }
}

impl<R: Read> Records for CsvRecords<R> {
    fn next_into(
        &mut self,
        record: &mut RecordBuf,
    ) -> io::Result<Option<(u64, Result<(), Unreadable>)>> {
        if self.width == 0 {
            return Ok(None); // no header: an empty file
        }
        let Some(row) = self.rows.read_row()? else {
            return Ok(None);
        };
        Ok(Some((row.line, self.fill(row, record))))
    }

    fn bytes_read(&self) -> u64 {
        self.rows.consumed
    }
}

/// What makes a row unreadable before its fields are looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RowFault {
    /// The file ended inside a quoted field of the row.
    OpenQuote,
    /// The row is over [`MAX_RECORD_BYTES`]; its fields were not kept.
    TooLong,
}

impl std::fmt::Display for RowFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RowFault::OpenQuote => f.write_str(
                "a quoted field is never closed: the file ends inside it (a closing quote is \
                 missing)",
            ),
            // "The maximum size of a single input row from any source is
            // 4 MB": a row the cluster refuses is refused locally too.
            RowFault::TooLong => write!(
                f,
                "the row is over the 4 MB ({MAX_RECORD_BYTES} bytes) Redshift's COPY reads as \
                 one row (https://docs.aws.amazon.com/redshift/latest/dg/copy-parameters-data-source.html)"
            ),
        }
    }
}

fn unreadable(reason: String) -> Unreadable {
    Unreadable { reason, records: 1 }
}

/// Why a CSV file's header cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum HeaderError {
    /// The file could not be read.
    #[error(transparent)]
    Io(#[from] io::Error),
    /// The first row cannot be a header (see [`read_header`]).
    #[error("the header on line {line}: {reason}")]
    Bad {
        /// The line the header row starts on.
        line: u64,
        /// What is wrong with it.
        reason: String,
    },
}

/// The header of a CSV file of `options`, read exactly as the local loader
/// reads it (a UTF-8 byte order mark dropped; refused when it is not on
/// line 1, is not UTF-8, or opens a quote the file never closes), for the
/// upload to check a file before Redshift's COPY skips its first line.
/// `None`: the file has no header (no bytes, or blank lines only).
pub fn read_header<R: Read>(input: R, options: &Csv) -> Result<Option<Vec<String>>, HeaderError> {
    read_names(&mut RowReader::new(input, options)?)
}

/// Reads the first row as the header's field names.
fn read_names<R: Read>(rows: &mut RowReader<R>) -> Result<Option<Vec<String>>, HeaderError> {
    let Some(row) = rows.read_row()? else {
        return Ok(None);
    };
    let bad = |reason: String| HeaderError::Bad {
        line: row.line,
        reason,
    };
    if let Some(fault) = row.fault {
        return Err(bad(fault.to_string()));
    }
    if row.line != 1 {
        // Redshift's COPY skips the first line as the header
        // (IGNOREHEADER 1), blank or not.
        return Err(bad(HEADER_NOT_FIRST.into()));
    }
    let names = (0..rows.fields()).map(|i| {
        String::from_utf8(rows.field(i).to_vec())
            .map_err(|_| bad(format!("field {} is not valid UTF-8", i + 1)))
    });
    names.collect::<Result<_, _>>().map(Some)
}

/// Maps a CSV header to `table`'s columns by source name: for each column
/// of the table, the header field holding it (`None`: a nullable column
/// the header lacks, loaded as NULL); or why the header does not fit
/// (an unknown or repeated name, a NOT NULL column missing), naming the
/// field. The upload to S3 maps headers with the same function.
pub fn map_header(table: &'static Table, header: &[&str]) -> Result<Vec<Option<usize>>, String> {
    let source_name = |i: usize| {
        let column = &table.columns[i];
        column.json.map_or(column.name, |j| j.key)
    };
    let expected = || {
        let names: Vec<&str> = (0..table.columns.len()).map(source_name).collect();
        format!("the columns of `{}` are: {}", table.name, names.join(", "))
    };
    let mut fields = vec![None; table.columns.len()];
    for (i, name) in header.iter().enumerate() {
        let Some(column) = (0..table.columns.len()).find(|&c| source_name(c) == *name) else {
            return Err(format!(
                "field {} `{name}` names no column of `{}`; {}",
                i + 1,
                table.name,
                expected()
            ));
        };
        if let Some(first) = fields[column].replace(i) {
            return Err(format!(
                "field {} `{name}` repeats field {}",
                i + 1,
                first + 1
            ));
        }
    }
    let lacking =
        (0..table.columns.len()).find(|&c| fields[c].is_none() && !table.columns[c].nullable);
    if let Some(column) = lacking {
        return Err(format!(
            "the header lacks `{}`, a NOT NULL column; {}",
            source_name(column),
            expected()
        ));
    }
    Ok(fields)
}

/// Where a row starts, and what makes it unreadable if anything does.
#[derive(Debug, Clone, Copy)]
struct Row {
    /// The 1-based line of the row's first byte.
    line: u64,
    fault: Option<RowFault>,
}

/// Reads a CSV file row by row into one reused field buffer.
struct RowReader<R> {
    input: R,
    core: csv_core::Reader,
    block: Box<[u8]>,
    /// The unparsed bytes of `block`.
    pos: usize,
    len: usize,
    /// The input has no more bytes.
    eof: bool,
    /// Input bytes parsed (a byte order mark included).
    consumed: u64,
    /// The row's fields, back to back, and where each ends.
    text: Vec<u8>,
    ends: Vec<usize>,
    /// Fields in the row just read.
    fields: usize,
}

impl<R: Read> RowReader<R> {
    /// A reader of `options`, past a UTF-8 byte order mark.
    fn new(input: R, options: &Csv) -> io::Result<RowReader<R>> {
        // The parser `Csv::reader_builder` configures, minus the `csv`
        // crate's own layer: the same options, the same default terminator
        // (CR, LF or CRLF).
        let core = csv_core::ReaderBuilder::new()
            .delimiter(options.delimiter)
            .quote(options.quote)
            .double_quote(options.escape.is_none())
            .escape(options.escape)
            .build();
        let mut rows = RowReader {
            input,
            core,
            block: vec![0; BLOCK].into_boxed_slice(),
            pos: 0,
            len: 0,
            eof: false,
            consumed: 0,
            text: vec![0; 1024],
            ends: vec![0; 64],
            fields: 0,
        };
        while rows.len < BOM.len() && !rows.eof {
            rows.read_more()?;
        }
        if rows.block[..rows.len].starts_with(BOM) {
            rows.pos = BOM.len();
            rows.consumed = BOM.len() as u64;
        }
        Ok(rows)
    }

    fn fields(&self) -> usize {
        self.fields
    }

    /// The row's text: its fields back to back.
    fn text(&self) -> &[u8] {
        &self.text[..self.fields.checked_sub(1).map_or(0, |last| self.ends[last])]
    }

    /// Where field `i` is in [`RowReader::text`].
    fn range(&self, i: usize) -> (usize, usize) {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        (start, self.ends[i])
    }

    fn field(&self, i: usize) -> &[u8] {
        let (start, end) = self.range(i);
        &self.text[start..end]
    }

    /// Appends the input's next bytes to `block` (moving what is left
    /// unparsed to its start when it is all parsed).
    fn read_more(&mut self) -> io::Result<()> {
        if self.pos == self.len {
            (self.pos, self.len) = (0, 0);
        }
        loop {
            match self.input.read(&mut self.block[self.len..]) {
                Ok(n) => {
                    self.len += n;
                    self.eof = n == 0;
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Parses the line breaks before the next row (blank lines, the `\n`
    /// of a CRLF), so the parser's line count is the row's first line.
    fn skip_line_breaks(&mut self) -> io::Result<()> {
        loop {
            if self.pos == self.len {
                if self.eof {
                    return Ok(());
                }
                self.read_more()?;
                continue;
            }
            let pending = &self.block[self.pos..self.len];
            let breaks = pending
                .iter()
                .take_while(|&&b| b == b'\n' || b == b'\r')
                .count();
            if breaks == 0 {
                return Ok(());
            }
            let (_, read, _, _) =
                self.core
                    .read_record(&pending[..breaks], &mut self.text, &mut self.ends);
            self.pos += read;
            self.consumed += read as u64;
        }
    }

    /// Reads the next row into the field buffer; `None` at the end.
    ///
    /// At the end of the input the parser is fed one `\n` before the empty
    /// input that ends it: a row whose last field is unquoted or closed
    /// ends at that `\n`, as at the end of the file; a row still inside a
    /// quoted field takes it in and only ends at the empty input, which
    /// tells the two apart (csv-core closes an open quote silently).
    ///
    /// A row over [`MAX_RECORD_BYTES`] is read to its end without keeping
    /// its fields, so memory stays bounded even when an open quote swallows
    /// the rest of a large file.
    fn read_row(&mut self) -> io::Result<Option<Row>> {
        self.skip_line_breaks()?;
        let (line, start) = (self.core.line(), self.consumed);
        let (mut out, mut ends) = (0, 0);
        let (mut newline_fed, mut too_long) = (false, false);
        loop {
            if self.consumed - start > MAX_RECORD_BYTES as u64 {
                (too_long, out, ends) = (true, 0, 0);
            }
            if self.pos == self.len && !self.eof {
                self.read_more()?;
            }
            let at_end = self.pos == self.len;
            let input: &[u8] = match (at_end, newline_fed) {
                (false, _) => &self.block[self.pos..self.len],
                (true, false) => b"\n",
                (true, true) => b"",
            };
            let (result, read, written, ended) =
                self.core
                    .read_record(input, &mut self.text[out..], &mut self.ends[ends..]);
            if at_end {
                newline_fed |= read > 0;
            } else {
                self.pos += read;
                self.consumed += read as u64;
            }
            (out, ends) = (out + written, ends + ended);
            match result {
                ReadRecordResult::InputEmpty => {}
                ReadRecordResult::OutputFull => self.text.resize(self.text.len() * 2, 0),
                ReadRecordResult::OutputEndsFull => self.ends.resize(self.ends.len() * 2, 0),
                ReadRecordResult::Record => {
                    self.fields = ends;
                    too_long |= self.consumed - start > MAX_RECORD_BYTES as u64;
                    let fault = if at_end && newline_fed && input.is_empty() {
                        Some(RowFault::OpenQuote)
                    } else {
                        too_long.then_some(RowFault::TooLong)
                    };
                    return Ok(Some(Row { line, fault }));
                }
                ReadRecordResult::End => return Ok(None),
            }
        }
    }
}

#[cfg(test)]
mod tests;
