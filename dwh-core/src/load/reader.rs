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
                    let bytes = &self.buf[start..start + len];
                    // serde skips over string contents without checking
                    // their UTF-8; the record is checked here, once.
                    return match std::str::from_utf8(bytes) {
                        Ok(json) => Ok(Some(RawRecord { json, line })),
                        Err(e) => Err(ReadError::Syntax(utf8_error(bytes, line, &e))),
                    };
                }
                Some(Err(e)) if e.is_eof() && !self.eof => self.refill().map_err(ReadError::Io)?,
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

    fn messages(input: &[u8]) -> Vec<String> {
        let mut reader = RecordReader::new(input);
        reader.buf = vec![0; 8];
        let mut out = Vec::new();
        loop {
            match reader.next_record() {
                Ok(Some(_)) => {}
                Ok(None) => break,
                Err(ReadError::Syntax(e)) => out.push(e.message),
                Err(ReadError::Io(e)) => panic!("{e}"),
            }
        }
        out
    }

    #[test]
    fn invalid_utf8_names_the_byte_and_its_line() {
        let got = messages(b"{\n\"a\": 1,\n\"b\": \"caf\xe9\"\n}\n");
        assert_eq!(got.len(), 1);
        assert!(got[0].contains("byte 0xE9 on line 3"), "{}", got[0]);
    }

    #[test]
    fn a_truncated_pretty_printed_object_is_one_bad_record() {
        // The rest of the file is inside the truncated record: no cascade of
        // errors for its inner lines.
        let got = records(b"{\n  \"a\": 1,\n  \"b\": [\n    2,\n");
        assert_eq!(got, vec![Err(1)]);
        let text = messages(b"{\n  \"a\": 1,\n  \"b\": [\n    2,\n");
        assert!(text[0].contains("file ends inside this record"), "{text:?}");
    }

    #[test]
    fn a_broken_pretty_printed_object_resyncs_at_the_next_object() {
        let input = b"{\n  \"a\": 1\n  \"b\": {\n    \"c\": 2\n  }\n}\n{\n  \"a\": 3\n}\n";
        let got = records(input);
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[0], Err(1));
        assert_eq!(got[1].as_ref().map(|r| r.0), Ok(7));
        let text = messages(input);
        assert!(text[0].contains("lines 1 to 6 were skipped"), "{text:?}");
    }

    #[test]
    fn a_long_bad_line_is_one_bad_record() {
        // Longer than the 8-byte test buffer: the skip crosses refills.
        let got = records(b"this is not json, and it goes on for a while\n{\"a\":1}\n");
        assert_eq!(got, vec![Err(1), Ok((2, "{\"a\":1}".into()))]);
    }

    #[test]
    fn positions_are_stripped_from_serde_messages() {
        assert_eq!(
            strip_position("expected `:` at line 1 column 9"),
            "expected `:`"
        );
        assert_eq!(strip_position("no position here"), "no position here");
    }
}
