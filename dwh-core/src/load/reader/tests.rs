//! The record reader's tests: records split across blocks, positions and messages.

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
fn a_number_cut_by_the_block_boundary_is_read_whole() {
    // With 8-byte blocks the first window ends right after `12.`, which
    // serde reports as an invalid number rather than the input's end.
    for input in [
        &b"{\"a\":12.5}\n{\"a\":2}"[..],
        b"{\"a\":-1}\n",
        b"{\"a\":1e5}\n",
        b"{\"ab\":-1}\n",
        b"{\"ab\":1E+5}",
    ] {
        let got = records(input);
        assert!(got.iter().all(Result::is_ok), "{input:?}: {got:?}");
        assert_eq!(read_fast(input, 8), slow(input, 8), "{input:?}");
    }
}

/// What the loader gets: each record's line and its text, or the
/// syntax error's line and message.
type Outcome = Result<(u64, String), (u64, String)>;

fn slow(input: &[u8], block: usize) -> Vec<Outcome> {
    let mut reader = RecordReader::new(input);
    reader.buf = vec![0; block];
    let mut out = Vec::new();
    loop {
        match reader.next_record() {
            Ok(Some(r)) => out.push(Ok((r.line, r.json.to_owned()))),
            Ok(None) => return out,
            Err(ReadError::Syntax(e)) => out.push(Err((e.line, e.message))),
            Err(ReadError::Io(e)) => panic!("{e}"),
        }
    }
}

/// The fast path, with a parser as strict as the loader's: one object.
fn read_fast(input: &[u8], block: usize) -> Vec<Outcome> {
    let mut reader = RecordReader::new(input);
    reader.buf = vec![0; block];
    let mut out = Vec::new();
    loop {
        let read = reader.next_record_with(|json| {
            serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(json)
                .map(|_| json.to_owned())
        });
        match read {
            Ok(Some(Parsed {
                line,
                result: Ok(json),
            })) => out.push(Ok((line, json))),
            // The loader reports what the parse says; here the text is
            // what the slow path found, to compare with it.
            Ok(Some(Parsed {
                line,
                result: Err(_),
            })) => out.push(Ok((line, "<parse error>".into()))),
            Ok(None) => return out,
            Err(ReadError::Syntax(e)) => out.push(Err((e.line, e.message))),
            Err(ReadError::Io(e)) => panic!("{e}"),
        }
    }
}

/// The slow path, with records the strict parser rejects marked the
/// same way as in [`read_fast`].
fn slow_marked(input: &[u8], block: usize) -> Vec<Outcome> {
    slow(input, block)
        .into_iter()
        .map(|o| match o {
            Ok((line, json))
                if serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&json)
                    .is_err() =>
            {
                Ok((line, "<parse error>".into()))
            }
            o => o,
        })
        .collect()
}

#[test]
fn the_fast_path_finds_what_the_slow_path_finds() {
    let inputs: &[&[u8]] = &[
        b"{\"a\":1}\r\n{\"a\":2}\r\n",
        b"{\n  \"a\": 1\n}\n{\n  \"a\": \"long string value\"\n}",
        b"\xEF\xBB\xBF{\"a\":1}",
        b"",
        b"  \n ",
        b"{\"a\":1}\n{\"a\": tru\n{\"a\":3}\n",
        b"{\"a\":1}\n{\"a\":",
        b"{\"a\":\"\xff\"}\n{\"a\":2}",
        b"{\n\"a\": 1,\n\"b\": \"caf\xe9\"\n}\n",
        b"{\n  \"a\": 1,\n  \"b\": [\n    2,\n",
        b"{\n  \"a\": 1\n  \"b\": {\n    \"c\": 2\n  }\n}\n{\n  \"a\": 3\n}\n",
        b"this is not json, and it goes on for a while\n{\"a\":1}\n",
        // Several objects on a line; a line ending in `}` that is not
        // an object; arrays, scalars, trailing commas, bad escapes.
        b"{\"a\":1} {\"a\":2}\n{\"a\":3}{\"a\":4}\n",
        b"{\"a\": {\"b\": 1}\n}\n",
        b"[{\"a\":1}]\n17\n\"x\"\nnull\n{\"a\":1,}\n{\"a\":\"\\x\"}\n",
        b"{\"a\":\"\\ud800\"}\n{\"a\":1e400}\n{\"a\":\"}\"}\n",
        b"{\"a\":1}   \t\r\n\n\n{\"b\":\"x\\\"y\"}",
        b"{} {}\n{}",
    ];
    for input in inputs {
        for block in [1, 2, 7, 8, 13, 64, BLOCK] {
            assert_eq!(
                read_fast(input, block),
                slow_marked(input, block),
                "{:?} in blocks of {block}",
                String::from_utf8_lossy(input)
            );
        }
    }
}

#[test]
fn a_long_line_of_objects_does_not_grow_the_buffer() {
    let input = "{\"a\":1}".repeat(1000);
    let mut reader = RecordReader::new(input.as_bytes());
    reader.buf = vec![0; 64];
    let mut n = 0;
    while let Some(read) = reader
        .next_record_with(|json| serde_json::from_str::<serde_json::Value>(json))
        .unwrap_or_else(|_| panic!("reads"))
    {
        assert!(read.result.is_ok());
        n += 1;
    }
    assert_eq!(n, 1000);
    assert_eq!(reader.buf.len(), 64, "the buffer grew");
}

#[test]
fn positions_are_stripped_from_serde_messages() {
    assert_eq!(
        strip_position("expected `:` at line 1 column 9"),
        "expected `:`"
    );
    assert_eq!(strip_position("no position here"), "no position here");
}
