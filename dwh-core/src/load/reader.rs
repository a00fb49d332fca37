//! Splits a byte stream of JSON into records: one object per file, several
//! objects per file, or JSON lines all read the same way. The input is read
//! in blocks into one reusable buffer, so memory stays flat however large a
//! file is; a record larger than the buffer grows it.

use std::io::{self, Read};

use serde_json::value::RawValue;

const BLOCK: usize = 1 << 20;
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// A record's JSON text and the line it starts on (1-based).
pub struct RawRecord<'a> {
    pub json: &'a str,
    pub line: u64,
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
        RecordReader {
            inner,
            buf: vec![0; BLOCK],
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
                    let json = std::str::from_utf8(&self.buf[start..start + len])
                        .map_err(|e| self.syntax_error(line, e.to_string()))?;
                    return Ok(Some(RawRecord { json, line }));
                }
                Some(Err(e)) if e.is_eof() && !self.eof => self.refill().map_err(ReadError::Io)?,
                Some(Err(e)) => {
                    // Report the line the bad record starts on: that is
                    // the line a user will look at.
                    let line = self.line;
                    // serde's position is relative to the buffer: drop it.
                    let text = e.to_string();
                    let message = match text.rsplit_once(" at line ") {
                        Some((head, _)) => head.to_owned(),
                        None => text,
                    };
                    self.skip_line();
                    return Err(ReadError::Syntax(SyntaxError { line, message }));
                }
                None => return Ok(None),
            }
        }
    }

    fn syntax_error(&self, line: u64, message: String) -> ReadError {
        ReadError::Syntax(SyntaxError { line, message })
    }

    /// Resynchronises after bad text: drops the rest of the current line.
    fn skip_line(&mut self) {
        match self.buf[self.pos..self.filled]
            .iter()
            .position(|b| *b == b'\n')
        {
            Some(i) => {
                self.pos += i + 1;
                self.line += 1;
            }
            None => self.pos = self.filled,
        }
    }
}

fn count_newlines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|b| **b == b'\n').count() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(input: &[u8]) -> Vec<Result<(u64, String), u64>> {
        let mut reader = RecordReader::new(input);
        reader.buf = vec![0; 8]; // tiny blocks exercise refills and growth
        let mut out = Vec::new();
        loop {
            match reader.next_record() {
                Ok(Some(r)) => out.push(Ok((r.line, r.json.to_owned()))),
                Ok(None) => break,
                Err(ReadError::Syntax(e)) => out.push(Err(e.line)),
                Err(ReadError::Io(e)) => panic!("{e}"),
            }
        }
        out
    }

    #[test]
    fn reads_json_lines_with_crlf() {
        let got = records(b"{\"a\":1}\r\n{\"a\":2}\r\n");
        assert_eq!(
            got,
            vec![Ok((1, "{\"a\":1}".into())), Ok((2, "{\"a\":2}".into()))]
        );
    }

    #[test]
    fn reads_pretty_printed_objects_back_to_back() {
        let got = records(b"{\n  \"a\": 1\n}\n{\n  \"a\": \"long string value\"\n}");
        assert_eq!(got.len(), 2);
        assert_eq!(got[1].as_ref().unwrap().0, 4);
    }

    #[test]
    fn skips_a_bom_and_accepts_empty_input() {
        assert_eq!(
            records(b"\xEF\xBB\xBF{\"a\":1}"),
            vec![Ok((1, "{\"a\":1}".into()))]
        );
        assert!(records(b"").is_empty());
        assert!(records(b"  \n ").is_empty());
    }

    #[test]
    fn reports_truncated_records_and_resyncs_on_the_next_line() {
        let got = records(b"{\"a\":1}\n{\"a\": tru\n{\"a\":3}\n");
        assert_eq!(got[0], Ok((1, "{\"a\":1}".into())));
        assert_eq!(got[1], Err(2));
        assert_eq!(got[2], Ok((3, "{\"a\":3}".into())));
    }

    #[test]
    fn a_truncated_last_record_is_an_error() {
        let got = records(b"{\"a\":1}\n{\"a\":");
        assert_eq!(got.last(), Some(&Err(2)));
    }

    #[test]
    fn invalid_utf8_is_an_error() {
        let got = records(b"{\"a\":\"\xff\"}\n{\"a\":2}");
        assert_eq!(got[0], Err(1));
        assert_eq!(got[1], Ok((2, "{\"a\":2}".into())));
    }
}
