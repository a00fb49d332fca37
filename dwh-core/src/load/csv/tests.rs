use super::*;
use crate::StagingTable;

#[derive(StagingTable)]
#[allow(dead_code)]
#[dwh(table = "staging_csv", diststyle = even)]
pub struct StagingCsv {
    pub id: i64,
    #[dwh(json = "userId")]
    pub user_id: Option<i64>,
    #[dwh(varchar = 8000)]
    pub song: Option<String>,
    #[dwh(varchar = 8)]
    pub level: Option<String>,
}

fn table() -> &'static Table {
    &<StagingCsv as StagingTable>::TABLE
}

/// Hands out one byte per read: every buffer boundary is crossed.
struct Trickle<'a>(&'a [u8]);

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let Some((&first, rest)) = self.0.split_first() else {
            return Ok(0);
        };
        match buf.first_mut() {
            Some(slot) => {
                *slot = first;
                self.0 = rest;
                Ok(1)
            }
            None => Ok(0),
        }
    }
}

/// One record as read: its line, and its cells (`<missing>`, `<null>` or
/// the text) or why it is unreadable.
type Read1 = (u64, Result<Vec<String>, String>);

fn cells(record: &RecordBuf) -> Vec<String> {
    record
        .cells
        .iter()
        .map(|cell| match *cell {
            Cell::Missing => "<missing>".to_owned(),
            Cell::Null => "<null>".to_owned(),
            Cell::Str(s, e) => record.str(s, e).to_owned(),
            other => panic!("a CSV cell is never {other:?}"),
        })
        .collect()
}

fn read_all(input: impl Read, options: &Csv) -> Result<(Vec<Read1>, u64), String> {
    let file = SourceFile::new("dir/plays.csv", "plays.csv", 0);
    let mut records = CsvRecords::new(input, table(), options, &file).map_err(|e| e.to_string())?;
    let mut record = RecordBuf::default();
    let mut read = Vec::new();
    while let Some((line, result)) = records.next_into(&mut record).unwrap() {
        read.push((line, result.map(|()| cells(&record)).map_err(|u| u.reason)));
    }
    Ok((read, records.bytes_read()))
}

/// Reads `csv` whole and byte by byte; both must agree.
fn read_with(csv: &[u8], options: &Csv) -> Result<Vec<Read1>, String> {
    let whole = read_all(csv, options);
    let trickled = read_all(Trickle(csv), options);
    assert_eq!(whole, trickled, "read whole and byte by byte");
    let (records, bytes) = whole?;
    assert_eq!(bytes, csv.len() as u64, "every byte is counted as read");
    Ok(records)
}

fn read(csv: &str) -> Result<Vec<Read1>, String> {
    read_with(csv.as_bytes(), &Csv::new())
}

fn row(cells: &[&str]) -> Result<Vec<String>, String> {
    Ok(cells.iter().map(|c| (*c).to_owned()).collect())
}

#[test]
fn the_header_maps_fields_by_source_name_in_any_order() {
    let records = read("level,userId,id,song\nfree,7,1,Yesterday\n").unwrap();
    assert_eq!(records, [(2, row(&["1", "7", "Yesterday", "free"]))]);
}

#[test]
fn a_nullable_column_the_header_lacks_is_missing() {
    let records = read("song,id\nHey,1\n").unwrap();
    assert_eq!(records, [(2, row(&["1", "<missing>", "Hey", "<missing>"]))]);
}

#[test]
fn an_unknown_header_name_is_refused_naming_the_field() {
    let err = read("id,user_id\n1,2\n").unwrap_err();
    assert!(
        err.contains("cannot load dir/plays.csv into `staging_csv`"),
        "{err}"
    );
    assert!(err.contains("the header on line 1"), "{err}");
    assert!(err.contains("field 2 `user_id` names no column"), "{err}");
    assert!(
        err.contains("the columns of `staging_csv` are: id, userId, song, level"),
        "{err}"
    );
}

#[test]
fn a_repeated_header_name_is_refused() {
    let err = read("id,song,id\n1,a,1\n").unwrap_err();
    assert!(err.contains("field 3 `id` repeats field 1"), "{err}");
}

#[test]
fn a_header_without_a_not_null_column_is_refused() {
    let err = read("song,level\n").unwrap_err();
    assert!(err.contains("the header on line 1"), "{err}");
    assert!(err.contains("lacks `id`, a NOT NULL column"), "{err}");
}

#[test]
fn map_header_is_exact_about_names() {
    assert_eq!(
        map_header(table(), &["userId", "id"]).unwrap(),
        [Some(1), Some(0), None, None]
    );
    // The column's own name is not its source name when `json` renames it.
    assert!(map_header(table(), &["id", "user_id"]).is_err());
    assert!(map_header(table(), &["ID"]).is_err());
}

#[test]
fn a_byte_order_mark_is_not_part_of_the_header() {
    let records = read("\u{feff}\"id\",song\r\n1,x\r\n").unwrap();
    assert_eq!(records, [(2, row(&["1", "<missing>", "x", "<missing>"]))]);
}

#[test]
fn crlf_and_lf_lines_are_counted_alike() {
    let crlf = read("id,song\r\n1,a\r\n\r\n2,b\r\n3,c").unwrap();
    let lines: Vec<u64> = crlf.iter().map(|r| r.0).collect();
    assert_eq!(lines, [2, 4, 5]);
    let lf = read("id,song\n1,a\n\n2,b\n3,c").unwrap();
    assert_eq!(lf, crlf);
}

#[test]
fn quoted_fields_hold_newlines_delimiters_and_quotes() {
    let csv = "id,song\n1,\"a\nb, \"\"c\"\"\"\n2,\"x\r\ny\"\n3,z\n";
    let records = read(csv).unwrap();
    let lines: Vec<u64> = records.iter().map(|r| r.0).collect();
    assert_eq!(lines, [2, 4, 6], "lines after embedded newlines");
    assert_eq!(
        records[0].1,
        row(&["1", "<missing>", "a\nb, \"c\"", "<missing>"])
    );
    assert_eq!(
        records[1].1,
        row(&["2", "<missing>", "x\r\ny", "<missing>"])
    );
}

#[test]
fn an_escape_character_quotes_instead_of_doubling() {
    let options = Csv::new().escape(b'\\');
    let records = read_with(b"id,song\n1,\"say \\\"hi\\\"\"\n", &options).unwrap();
    assert_eq!(
        records[0].1,
        row(&["1", "<missing>", "say \"hi\"", "<missing>"])
    );
}

#[test]
fn a_custom_delimiter_and_quote_split_fields() {
    let options = Csv::new().delimiter(b';').quote(b'\'');
    let records = read_with(b"id;song\n1;'a;b'\n2;c,d\n", &options).unwrap();
    assert_eq!(records[0].1, row(&["1", "<missing>", "a;b", "<missing>"]));
    assert_eq!(records[1].1, row(&["2", "<missing>", "c,d", "<missing>"]));
}

#[test]
fn the_null_text_loads_null_and_empty_fields_stay_empty() {
    let options = Csv::new().null_as("NA");
    let records = read_with(b"id,userId,song,level\n1,NA,,NAB\n", &options).unwrap();
    assert_eq!(records[0].1, row(&["1", "<null>", "", "NAB"]));
    // Without a NULL text, NA is text.
    let records = read("id,song\n1,NA\n").unwrap();
    assert_eq!(records[0].1, row(&["1", "<missing>", "NA", "<missing>"]));
}

#[test]
fn a_row_of_the_wrong_width_is_unreadable_and_reading_goes_on() {
    let records = read("id,song\n1,a,extra\n2\n3,c\n").unwrap();
    assert_eq!(
        records[0],
        (2, Err("3 fields where the header names 2".into()))
    );
    assert_eq!(
        records[1],
        (3, Err("1 fields where the header names 2".into()))
    );
    assert_eq!(records[2], (4, row(&["3", "<missing>", "c", "<missing>"])));
}

#[test]
fn invalid_utf8_is_unreadable_naming_the_column() {
    let records = read_with(b"id,level,song\n1,ok,caf\xe9\n2,x,y\n", &Csv::new()).unwrap();
    assert_eq!(
        records[0],
        (
            2,
            Err("column `song` (field 3) is not valid UTF-8 text".into())
        )
    );
    assert_eq!(records[1].1, row(&["2", "<missing>", "y", "x"]));
}

#[test]
fn a_quote_left_open_is_unreadable_not_merged() {
    let records = read("id,song\n1,\"abc\n2,d\n").unwrap();
    assert_eq!(records.len(), 1, "{records:?}");
    let (line, result) = &records[0];
    assert_eq!(*line, 2);
    assert!(
        result.as_ref().unwrap_err().contains("never closed"),
        "{result:?}"
    );
    // A doubled quote at the very end is a quote inside the field.
    let records = read("id,song\n1,\"abc\"\"").unwrap();
    assert!(records[0].1.is_err(), "{records:?}");
    // A quote closed at the very end, with or without a line break, is fine.
    for closed in [
        "id,song\n1,\"abc\"",
        "id,song\n1,\"abc\"\n",
        "id,song\n1,\"abc\"\r",
    ] {
        let records = read(closed).unwrap();
        assert_eq!(records, [(2, row(&["1", "<missing>", "abc", "<missing>"]))]);
    }
}

#[test]
fn a_header_with_an_open_quote_or_bad_utf8_refuses_the_file() {
    let err = read("id,\"song\n1,a\n").unwrap_err();
    assert!(
        err.contains("the header on line 1: a quoted field is never closed"),
        "{err}"
    );
    let err = read_with(b"id,s\xffng\n", &Csv::new()).unwrap_err();
    assert!(err.contains("field 2 is not valid UTF-8"), "{err}");
}

#[test]
fn empty_and_header_only_files_have_no_rows() {
    assert_eq!(read("").unwrap(), []);
    assert_eq!(read("\u{feff}").unwrap(), []);
    assert_eq!(read("id,song\n").unwrap(), []);
    assert_eq!(read("id,song").unwrap(), []);
}

#[test]
fn long_and_wide_rows_grow_the_buffers() {
    let long = "x".repeat(5000);
    // 5000 bytes outgrow the first text buffer, 150 fields the first ends.
    let csv = format!("id,song\n1,\"{long}\"\n{}\n", vec!["2"; 150].join(","));
    let records = read(&csv).unwrap();
    assert_eq!(records[0].1, row(&["1", "<missing>", &long, "<missing>"]));
    assert_eq!(
        records[1],
        (3, Err("150 fields where the header names 2".into()))
    );
}

/// The loader parses as the `csv` crate configured by
/// `Csv::reader_builder` (used by the upload) does.
#[test]
fn rows_parse_as_the_shared_reader_builder_parses_them() {
    let options = Csv::new().delimiter(b'|').escape(b'\\');
    let csv = b"id|song\n1|\"a|\\\"b\\\"\nc\"\r\n2|plain \"q\"\n\n3|\n";
    let mut reader = options.reader_builder().from_reader(&csv[..]);
    let expected: Vec<Vec<String>> = reader
        .byte_records()
        .skip(1)
        .map(|r| {
            let r = r.unwrap();
            let song = String::from_utf8(r[1].to_vec()).unwrap();
            vec![
                String::from_utf8(r[0].to_vec()).unwrap(),
                "<missing>".into(),
                song,
                "<missing>".into(),
            ]
        })
        .collect();
    let read: Vec<Vec<String>> = read_with(csv, &options)
        .unwrap()
        .into_iter()
        .map(|(_, r)| r.unwrap())
        .collect();
    assert_eq!(read, expected);
    assert_eq!(read.len(), 3);
}

#[test]
fn a_row_over_4_mb_is_unreadable_and_reading_goes_on() {
    let big = "x".repeat(MAX_RECORD_BYTES);
    let csv = format!("id,song\n1,{big}\n2,\"open\n{big}");
    let (records, _) = read_all(csv.as_bytes(), &Csv::new()).unwrap();
    let reasons: Vec<(u64, String)> = records
        .iter()
        .map(|(line, r)| (*line, r.clone().unwrap_err()))
        .collect();
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert_eq!(reasons[0].0, 2);
    assert!(reasons[0].1.contains("over the 4 MB"), "{reasons:?}");
    // An open quote is named first: it is why the row is so long.
    assert_eq!(reasons[1].0, 3);
    assert!(reasons[1].1.contains("never closed"), "{reasons:?}");
    let exact = format!("id,song\n1,{}\n", "x".repeat(MAX_RECORD_BYTES - 3));
    let (records, _) = read_all(exact.as_bytes(), &Csv::new()).unwrap();
    assert!(
        records[0].1.is_ok(),
        "a row of 4 MB with its line break loads"
    );
}

#[test]
fn blanks_before_an_opening_quote_are_unreadable() {
    let records = read("id,song\n1, \"a\"\n2,\t\"b\"\n3, a \"b\"\n4,\" c\"\n").unwrap();
    let reason = "column `song` (field 2) has blanks before its opening quote";
    for (line, result) in &records[..2] {
        assert!(
            result.as_ref().unwrap_err().starts_with(reason),
            "{line}: {result:?}"
        );
    }
    // Blanks before text, and blanks inside quotes, are text.
    assert_eq!(
        records[2].1,
        row(&["3", "<missing>", " a \"b\"", "<missing>"])
    );
    assert_eq!(records[3].1, row(&["4", "<missing>", " c", "<missing>"]));
}

#[test]
fn the_header_must_be_the_first_line() {
    let err = read("\nid,song\n1,a\n").unwrap_err();
    assert!(
        err.contains("the header on line 2: the file starts with a blank line"),
        "{err}"
    );
    assert_eq!(
        read("\n\n").unwrap(),
        [],
        "blank lines only: no header, no rows"
    );
}

#[test]
fn read_header_reads_the_header_as_the_loader_does() {
    let header = read_header(&b"\xef\xbb\xbf\"id\",song\r\n1,a\r\n"[..], &Csv::new()).unwrap();
    assert_eq!(header, Some(vec!["id".to_owned(), "song".to_owned()]));
    assert_eq!(read_header(&b"\n\n"[..], &Csv::new()).unwrap(), None);
    let bad: [&[u8]; 3] = [b"\nid,song\n", b"id,\"song\n", b"id,s\xffng\n"];
    for bytes in bad {
        let err = read_header(bytes, &Csv::new()).unwrap_err().to_string();
        let loader = read_with(bytes, &Csv::new()).unwrap_err();
        assert!(
            loader.contains(&err),
            "the loader says {loader:?}, read_header {err:?}"
        );
    }
}
