//! Splits a byte stream of JSON into records: one object per file, several
//! objects per file, or JSON lines all read the same way. The input is read
//! in blocks into one reusable buffer, so memory stays flat however large a
//! file is; a record larger than the buffer grows it.
//!
//! Records are found in two ways. The fast path,
//! [`RecordReader::next_record_with`], takes the rest of the line as the
//! record (JSON lines: found with `memchr`, no parsing) and lets the
//! caller's parser, which reads the record anyway, be the one that checks
//! it is exactly one valid JSON object: each byte is parsed once.
//! Everything else (objects over several lines, several on a line, text
//! that is not an object, a parse error, invalid UTF-8) goes the slow path,
//! [`RecordReader::next_record`], which delimits the value with serde_json
//! and words errors and resynchronises as it always has. A line the parser
//! accepts is the very value serde_json would have delimited, so the fast
//! path changes speed, never outcomes.

use std::io::{self, Read};

use serde_json::value::RawValue;

const BLOCK: usize = 1 << 20;
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// A record's JSON text and the line it starts on (1-based).
pub struct RawRecord<'a> {
    pub json: &'a str,
    pub line: u64,
}

/// A record read by the caller's parser, and the line it starts on.
pub struct Parsed<T, E> {
    pub line: u64,
    pub result: Result<T, E>,
}

/// Text that is not a JSON value; the reader skips to the next line.
#[derive(Debug)]
pub struct SyntaxError {
    pub line: u64,
    pub message: String,
}

pub enum ReadError {
    Io(io::Error),
    Syntax(SyntaxError),
}

pub struct RecordReader<R> {
    inner: R,
    /// Kept across files by [`RecordReader::into_buffer`], so a load of many
    /// small files does not allocate (and zero) a block per file.
    buf: Vec<u8>,
    /// Bytes of `buf` holding data.
    filled: usize,
    /// Where the next record starts looking.
    pos: usize,
    /// The line number at `pos`.
    line: u64,
    eof: bool,
    at_start: bool,
    bytes_read: u64,
}

impl<R: Read> RecordReader<R> {
    pub fn new(inner: R) -> Self {
        Self::with_buffer(inner, Vec::new())
    }

    /// A reader that reuses `buf` (from [`RecordReader::into_buffer`]).
    pub fn with_buffer(inner: R, mut buf: Vec<u8>) -> Self {
        if buf.len() < BLOCK {
            buf.resize(BLOCK, 0);
        }
        RecordReader {
            inner,
            buf,
            filled: 0,
            pos: 0,
            line: 1,
            eof: false,
            at_start: true,
            bytes_read: 0,
        }
    }

    /// Bytes read from the input so far.
    pub fn bytes_read(&self) -> u64 {
        self.bytes_read
    }

    /// The buffer, for the reader of the next file. One that grew for a
    /// huge record goes back to the block size.
    pub fn into_buffer(self) -> Vec<u8> {
        let mut buf = self.buf;
        buf.truncate(BLOCK);
        buf.shrink_to(BLOCK);
        buf
    }

    /// Moves unread bytes to the front and reads more, growing the buffer
    /// when a single record fills it.
    fn refill(&mut self) -> io::Result<()> {
        self.buf.copy_within(self.pos..self.filled, 0);
        self.filled -= self.pos;
        self.pos = 0;
        if self.filled == self.buf.len() {
            self.buf.resize(self.buf.len() * 2, 0);
        }
        loop {
            match self.inner.read(&mut self.buf[self.filled..]) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(n) => {
                    self.filled += n;
                    self.bytes_read += n as u64;
                    break;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
        if self.at_start && (self.filled >= BOM.len() || self.eof) {
            self.at_start = false;
            if self.buf[..self.filled].starts_with(BOM) {
                self.pos = BOM.len();
            }
        }
        Ok(())
    }

    /// Skips whitespace, counting lines; false at the end of the input.
    fn skip_whitespace(&mut self) -> io::Result<bool> {
        loop {
            while self.pos < self.filled {
                match self.buf[self.pos] {
                    b'\n' => self.line += 1,
                    b' ' | b'\t' | b'\r' => {}
                    _ => return Ok(true),
                }
                self.pos += 1;
            }
            if self.eof {
                return Ok(false);
            }
            self.refill()?;
        }
    }

    /// The next record read by `parse`, with the line it starts on, or
    /// `None` at the end of the input. `parse` gets the record's text and
    /// must fail unless it is exactly one valid JSON object (surrounding
    /// whitespace aside). A failed parse is not taken at its word: the
    /// record goes the slow way (see the module docs), which finds the
    /// record or the syntax error, and `parse` runs again on what it finds.
    pub fn next_record_with<T, E>(
        &mut self,
        mut parse: impl FnMut(&str) -> Result<T, E>,
    ) -> Result<Option<Parsed<T, E>>, ReadError> {
        loop {
            if !self.skip_whitespace().map_err(ReadError::Io)? {
                return Ok(None);
            }
            let window = &self.buf[self.pos..self.filled];
            let len = match memchr::memchr(b'\n', window) {
                Some(len) => len,
                None if self.eof => window.len(),
                // A line longer than the buffer (say, objects back to back
                // with no newline): the slow path reads it value by value
                // rather than the buffer growing to hold the line.
                None if self.pos == 0 && self.filled == self.buf.len() => break,
                None => {
                    self.refill().map_err(ReadError::Io)?;
                    continue;
                }
            };
            let line = window[..len].trim_ascii_end();
            if line.last() != Some(&b'}') {
                break;
            }
            let Ok(json) = std::str::from_utf8(line) else {
                break;
            };
            let Ok(value) = parse(json) else {
                break;
            };
            self.pos += line.len();
            return Ok(Some(Parsed {
                line: self.line,
                result: Ok(value),
            }));
        }
        Ok(self.next_record()?.map(|raw| Parsed {
            line: raw.line,
            result: parse(raw.json),
        }))
    }

    /// The next record, or `None` at the end of the input.
    pub fn next_record(&mut self) -> Result<Option<RawRecord<'_>>, ReadError> {
        loop {
            if !self.skip_whitespace().map_err(ReadError::Io)? {
                return Ok(None);
            }
            let window = &self.buf[self.pos..self.filled];
            let mut stream = serde_json::Deserializer::from_slice(window).into_iter::<&RawValue>();
            match stream.next() {
                Some(Ok(raw)) => {
                    let len = raw.get().len();
                    let start = self.pos;
                    let line = self.line;
                    self.pos += stream.byte_offset();
                    self.line += count_newlines(&self.buf[start..self.pos]);
                    let bytes = &self.buf[start..start + len];
                    // serde skips over string contents without checking
                    // their UTF-8; the record is checked here, once.
                    return match std::str::from_utf8(bytes) {
                        Ok(json) => Ok(Some(RawRecord { json, line })),
                        Err(e) => Err(ReadError::Syntax(utf8_error(bytes, line, &e))),
                    };
                }
                Some(Err(e)) if !self.eof && (e.is_eof() || at_end(window, &e)) => {
                    self.refill().map_err(ReadError::Io)?
                }
                Some(Err(e)) => {
                    // Report the line the bad record starts on: that is
                    // the line a user will look at.
                    let line = self.line;
                    // serde reports some invalid UTF-8 as a bad code point;
                    // name it for what it is.
                    let upto = end_of_line(window, e.line());
                    let mut message = match std::str::from_utf8(&window[..upto]) {
                        Ok(_) => strip_position(&e.to_string()).to_owned(),
                        Err(u) => utf8_error(&window[..upto], line, &u).message,
                    };
                    if e.is_eof() {
                        // The input ends inside the record: all of it is bad.
                        self.pos = self.filled;
                        message.push_str(" (the file ends inside this record)");
                    } else {
                        self.skip_to_next_record_line().map_err(ReadError::Io)?;
                        if self.line > line + 1 {
                            message.push_str(&format!(
                                "; lines {line} to {} were skipped, up to the next line starting with `{{`",
                                self.line - 1
                            ));
                        }
                    }
                    return Err(ReadError::Syntax(SyntaxError { line, message }));
                }
                None => return Ok(None),
            }
        }
    }

    /// Resynchronises after bad text: skips to the next line that starts
    /// with `{` in its first column, where the next record of a JSON-lines
    /// file, or of back-to-back pretty-printed objects, begins. Nested
    /// objects are indented, so they do not count; lines beyond the buffer
    /// are read, so a long bad line does not turn into many bad records.
    fn skip_to_next_record_line(&mut self) -> io::Result<()> {
        // The bad record's own first byte is not a record start to stop at.
        self.pos += 1;
        let mut after_newline = false;
        loop {
            while self.pos < self.filled {
                let byte = self.buf[self.pos];
                if after_newline && byte == b'{' {
                    return Ok(());
                }
                after_newline = byte == b'\n';
                if after_newline {
                    self.line += 1;
                }
                self.pos += 1;
            }
            if self.eof {
                return Ok(());
            }
            self.refill()?;
        }
    }
}

/// Whether serde's error is at the end of the window: where more input may
/// make the text valid. serde reports a number cut after `.`, `e` or `-` as
/// an invalid number, not as the end of the input.
fn at_end(window: &[u8], e: &serde_json::Error) -> bool {
    let line_start = if e.line() <= 1 {
        0
    } else {
        end_of_line(window, e.line() - 1)
    };
    line_start + e.column() + 1 >= window.len()
}

/// A serde message without its position, which is relative to the buffer
/// or the record, not the file: the caller knows the line.
pub(super) fn strip_position(message: &str) -> &str {
    match message.rsplit_once(" at line ") {
        Some((head, tail)) if tail.contains(" column ") => head,
        _ => message,
    }
}

fn utf8_error(bytes: &[u8], line: u64, e: &std::str::Utf8Error) -> SyntaxError {
    let at = e.valid_up_to();
    let bad = bytes[at..]
        .iter()
        .take(e.error_len().unwrap_or(1))
        .map(|b| format!("0x{b:02X}"))
        .collect::<Vec<_>>()
        .join(" ");
    let line_of_byte = line + count_newlines(&bytes[..at]);
    SyntaxError {
        line,
        message: format!(
            "invalid UTF-8 (byte {bad} on line {line_of_byte}); source files must be UTF-8, as for Redshift's COPY"
        ),
    }
}

/// The offset just past the `line`-th (1-based) line of `bytes`.
fn end_of_line(bytes: &[u8], line: usize) -> usize {
    bytes
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .nth(line.saturating_sub(1))
        .map_or(bytes.len(), |(i, _)| i + 1)
}

fn count_newlines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|b| **b == b'\n').count() as u64
}

#[cfg(test)]
mod tests;
