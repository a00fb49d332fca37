//! PostgreSQL binary COPY encoding of JSON cells, accepting and rejecting
//! what Redshift's COPY does (README, "What the local load accepts", has
//! the table with each rule's documentation page): a JSON number loads into
//! a VARCHAR as its text, a numeric string into a number column, a missing
//! key, or an empty or blank string in a non-text column, is NULL. Anything
//! else that does not fit is a bad record, with a reason.

use bytes::{BufMut, BytesMut};
use chrono::{DateTime, NaiveDate, NaiveDateTime};

use super::record::{Cell, RecordBuf};
use crate::schema::{Column, SqlType};

mod numeric;

/// Microseconds between 1970-01-01 and PostgreSQL's epoch, 2000-01-01.
const PG_EPOCH_MICROS: i64 = 946_684_800_000_000;
/// Days between 1970-01-01 and 2000-01-01.
const PG_EPOCH_DAYS: i64 = 10_957;

/// The binary COPY header: signature, flags, header extension length.
pub const HEADER: &[u8] = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0";
/// The end-of-data marker.
pub const TRAILER: &[u8] = &[0xff, 0xff];

/// How one column is encoded.
#[derive(Debug, Clone, Copy)]
pub struct ColumnCodec {
    pub ty: SqlType,
    pub nullable: bool,
    pub epoch_millis: bool,
}

impl ColumnCodec {
    pub fn of(column: &Column) -> ColumnCodec {
        ColumnCodec {
            ty: column.ty,
            nullable: column.nullable,
            epoch_millis: column.json.is_some_and(|j| j.epoch_millis),
        }
    }
}

/// Appends one record as a binary COPY tuple. On a bad value nothing is
/// appended and the error names the column index and the reason.
pub fn encode_record(
    codecs: &[ColumnCodec],
    record: &RecordBuf,
    out: &mut BytesMut,
) -> Result<(), (usize, String)> {
    let start = out.len();
    out.put_i16(codecs.len() as i16);
    // JSON text holds no raw NUL: one can only come from a `\u0000`
    // escape. One search of the record's strings spares one per string.
    let nul = memchr::memchr(0, record.text.as_bytes()).is_some();
    for (i, (codec, cell)) in codecs.iter().zip(&record.cells).enumerate() {
        if let Err(reason) = encode_cell(*codec, *cell, record, nul, out) {
            out.truncate(start);
            return Err((i, reason));
        }
    }
    Ok(())
}

fn describe(cell: Cell, record: &RecordBuf) -> String {
    match cell {
        Cell::Missing => "a missing key".into(),
        Cell::Null => "null".into(),
        Cell::Bool(b) => format!("boolean {b}"),
        Cell::Int(i) => format!("number {i}"),
        Cell::BigUint(u) => format!("number {u}"),
        Cell::Float(f) => format!("number {f:?}"),
        Cell::Str(s, e) => {
            let text = record.str(s, e);
            let shown: String = text.chars().take(40).collect();
            let more = if shown.len() < text.len() { "…" } else { "" };
            format!("string {:?}{more}", format!("{shown}"))
        }
        Cell::Nested(..) => "a nested object or array".into(),
        Cell::Date(days) => format!("date {}", days_text(days)),
        Cell::Timestamp(micros) => format!("timestamp {}", micros_text(micros)),
        Cell::Decimal { .. } => {
            let (unscaled, scale) = cell.decimal_parts().unwrap_or_default();
            format!("decimal {}", numeric::decimal_text(unscaled, scale))
        }
    }
}

/// `nul`: whether any string of the record may hold a NUL character.
fn encode_cell(
    codec: ColumnCodec,
    cell: Cell,
    record: &RecordBuf,
    nul: bool,
    out: &mut BytesMut,
) -> Result<(), String> {
    if loads_null(codec, cell, record) {
        return put_null(codec, cell, record, out);
    }
    match codec.ty {
        SqlType::SmallInt => {
            let v = integer(cell, record, codec.ty)?;
            out.put_i32(2);
            out.put_i16(v as i16);
        }
        SqlType::Integer => {
            let v = integer(cell, record, codec.ty)?;
            out.put_i32(4);
            out.put_i32(v as i32);
        }
        SqlType::BigInt => {
            let v = integer(cell, record, codec.ty)?;
            out.put_i32(8);
            out.put_i64(v);
        }
        SqlType::Real => {
            let v = float(cell, record).ok_or_else(|| mismatch("a number", cell, record))?;
            out.put_i32(4);
            out.put_f32(v as f32);
        }
        SqlType::Double => {
            let v = float(cell, record).ok_or_else(|| mismatch("a number", cell, record))?;
            out.put_i32(8);
            out.put_f64(v);
        }
        SqlType::Boolean => {
            let v = boolean(cell, record).ok_or_else(|| mismatch("a boolean", cell, record))?;
            out.put_i32(1);
            out.put_u8(u8::from(v));
        }
        SqlType::Varchar(max) => put_text(cell, record, max, nul, out)
            .map_err(|e| e.unwrap_or_else(|| mismatch("a string", cell, record)))?,
        SqlType::Date | SqlType::Timestamp | SqlType::TimestampTz => {
            put_temporal(codec, cell, record, out)?
        }
        SqlType::Numeric { precision, scale } => match cell.decimal_parts() {
            Some((unscaled, from)) => numeric::put_numeric(unscaled, from, precision, scale, out)?,
            None => {
                return Err(
                    "NUMERIC columns are loaded by the local engine from Parquet only".into(),
                )
            }
        },
    }
    Ok(())
}

/// The reason for a value of the wrong kind; built only on the error path,
/// so a good row allocates nothing.
#[cold]
fn mismatch(expected: &str, cell: Cell, record: &RecordBuf) -> String {
    format!("expected {expected}, found {}", describe(cell, record))
}

/// A cell that loads as NULL: the -1 length, or a bad record in a NOT NULL
/// column (kept apart so the typed arms of `encode_cell` only see values).
#[inline]
fn put_null(
    codec: ColumnCodec,
    cell: Cell,
    record: &RecordBuf,
    out: &mut BytesMut,
) -> Result<(), String> {
    if !codec.nullable {
        return Err(format!(
            "{} loads as NULL (as in Redshift's COPY) into a NOT NULL column",
            describe(cell, record)
        ));
    }
    out.put_i32(-1);
    Ok(())
}

/// DATE (days since 2000-01-01) and TIMESTAMP (microseconds since then),
/// the latter from text or, with `epoch_millis`, from epoch milliseconds.
#[inline]
fn put_temporal(
    codec: ColumnCodec,
    cell: Cell,
    record: &RecordBuf,
    out: &mut BytesMut,
) -> Result<(), String> {
    if codec.ty == SqlType::Date {
        let days =
            date(cell, record).ok_or_else(|| mismatch("a date (YYYY-MM-DD)", cell, record))?;
        out.put_i32(4);
        out.put_i32(days);
        return Ok(());
    }
    let micros = if codec.epoch_millis {
        epoch_millis(cell, record).ok_or_else(|| mismatch("epoch milliseconds", cell, record))?
    } else {
        timestamp(cell, record).ok_or_else(|| mismatch("a timestamp", cell, record))?
    };
    out.put_i32(8);
    out.put_i64(micros);
    Ok(())
}

/// Whether the cell loads as NULL: a missing key or `null`, or an empty or
/// blank string in a column that is not VARCHAR. Redshift: "Empty fields
/// for other data types, such as INT, are always loaded with NULL", and
/// "Blank fields for other data types, such as INT, are always loaded with
/// NULL" (EMPTYASNULL, BLANKSASNULL in
/// https://docs.aws.amazon.com/redshift/latest/dg/copy-parameters-data-conversion.html).
fn loads_null(codec: ColumnCodec, cell: Cell, record: &RecordBuf) -> bool {
    match cell {
        Cell::Missing | Cell::Null => true,
        Cell::Str(s, e) => {
            !codec.ty.is_varchar() && record.str(s, e).bytes().all(|b| b.is_ascii_whitespace())
        }
        _ => false,
    }
}

/// An integer of `ty`'s range. Redshift's COPY reads digits only, with a
/// sign: load error 1207 is "Data contained a value outside of the expected
/// range of 0-9" (https://docs.aws.amazon.com/redshift/latest/dg/r_Load_Error_Reference.html),
/// so `200.0`, `2e2` and `" 38 "` are bad records, not 200, 200 and 38.
fn integer(cell: Cell, record: &RecordBuf, ty: SqlType) -> Result<i64, String> {
    let wide: i128 = match cell {
        Cell::Int(i) => i.into(),
        Cell::BigUint(u) => u.into(),
        Cell::Float(f) => {
            return Err(format!(
                "{f:?} is not an integer: Redshift's COPY reads only digits into {ty}, \
                 no decimal point or exponent"
            ))
        }
        Cell::Str(s, e) => digits(record.str(s, e))
            .ok_or_else(|| format!("expected an integer, found {}", describe(cell, record)))?,
        _ => {
            return Err(format!(
                "expected an integer, found {}",
                describe(cell, record)
            ))
        }
    };
    let (min, max) = match ty {
        SqlType::SmallInt => (i16::MIN.into(), i16::MAX.into()),
        SqlType::Integer => (i32::MIN.into(), i32::MAX.into()),
        _ => (i64::MIN.into(), i64::MAX.into()),
    };
    if !(min..=max).contains(&wide) {
        return Err(format!("{wide} is out of range for {ty}"));
    }
    Ok(wide as i64)
}

/// An optional sign and ASCII digits, nothing else.
fn digits(text: &str) -> Option<i128> {
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    let ok = !unsigned.is_empty() && unsigned.bytes().all(|b| b.is_ascii_digit());
    ok.then(|| text.parse().ok()).flatten()
}

/// A number; a string must be a plain decimal (no padding, `inf` or `NaN`:
/// the docs are silent, so the strict reading).
fn float(cell: Cell, record: &RecordBuf) -> Option<f64> {
    match cell {
        Cell::Int(i) => Some(i as f64),
        Cell::BigUint(u) => Some(u as f64),
        Cell::Float(f) => Some(f),
        Cell::Str(s, e) => {
            let text = record.str(s, e);
            let plain = text
                .bytes()
                .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b));
            plain.then(|| text.parse().ok()).flatten()
        }
        _ => None,
    }
}

/// Redshift's BOOLEAN literals, exactly as documented (lowercase; the docs
/// list no other spellings), and the JSON numbers 1 and 0:
/// https://docs.aws.amazon.com/redshift/latest/dg/r_Boolean_type.html
fn boolean(cell: Cell, record: &RecordBuf) -> Option<bool> {
    match cell {
        Cell::Bool(b) => Some(b),
        Cell::Int(1) => Some(true),
        Cell::Int(0) => Some(false),
        Cell::Str(s, e) => match record.str(s, e) {
            "t" | "true" | "y" | "yes" | "1" => Some(true),
            "f" | "false" | "n" | "no" | "0" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// Writes text; `Err(None)` means the cell is not text-like at all.
fn put_text(
    cell: Cell,
    record: &RecordBuf,
    max: u32,
    nul: bool,
    out: &mut BytesMut,
) -> Result<(), Option<String>> {
    // Numbers are formatted on the stack: no allocation per record. Its
    // 400 zeroed bytes are set only for a number, not for every string.
    let mut number: NumberText;
    let text: &str = match cell {
        Cell::Str(s, e) => record.str(s, e),
        // "If the value … is an object or an array, the entire object or
        // array is loaded as a string, including the braces or brackets"
        // (https://docs.aws.amazon.com/redshift/latest/dg/copy-usage_notes-copy-from-json.html).
        Cell::Nested(s, e) => record.str(s, e),
        // Redshift COPY loads a JSON number or boolean into VARCHAR as text.
        Cell::Int(i) => {
            number = NumberText::default();
            number.format(i)
        }
        Cell::BigUint(u) => {
            number = NumberText::default();
            number.format(u)
        }
        Cell::Float(f) => {
            number = NumberText::default();
            number.format(f)
        }
        Cell::Bool(b) => {
            if b {
                "true"
            } else {
                "false"
            }
        }
        _ => return Err(None),
    };
    let text = fit_varchar(text, max, nul).map_err(Some)?;
    out.put_i32(text.len() as i32);
    out.put_slice(text.as_bytes());
    Ok(())
}

/// `text` as a VARCHAR(`max`) takes it, or why it cannot. "If the extra
/// characters are all spaces (blanks), the string is truncated to the
/// maximum length"; otherwise too long is an error:
/// https://docs.aws.amazon.com/redshift/latest/dg/r_Character_types.html
fn fit_varchar(text: &str, max: u32, nul: bool) -> Result<&str, String> {
    let max_len = max as usize;
    let text = match text.as_bytes().get(max_len..) {
        Some(extra) if extra.iter().all(|&b| b == b' ') => &text[..max_len],
        _ => text,
    };
    if text.len() > max_len {
        return Err(format!(
            "value is {} bytes, longer than the column's VARCHAR({max}) (lengths are in bytes, as in Redshift)",
            text.len()
        ));
    }
    if nul && text.contains('\0') {
        return Err("value contains a NUL character, which PostgreSQL and Redshift reject".into());
    }
    Ok(text)
}

/// A number's text in a stack buffer. 400 bytes hold any `f64` as `Display`
/// writes it (no exponent: up to 309 integer digits or 324 decimals).
struct NumberText {
    buf: [u8; 400],
    len: usize,
}

impl Default for NumberText {
    fn default() -> Self {
        NumberText {
            buf: [0; 400],
            len: 0,
        }
    }
}

impl NumberText {
    fn format(&mut self, value: impl std::fmt::Display) -> &str {
        use std::fmt::Write;
        self.len = 0;
        write!(self, "{value}").expect("a number fits the buffer");
        std::str::from_utf8(&self.buf[..self.len]).expect("numbers format as ASCII")
    }
}

impl std::fmt::Write for NumberText {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        let slot = self.buf.get_mut(self.len..end).ok_or(std::fmt::Error)?;
        slot.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

fn epoch_millis(cell: Cell, record: &RecordBuf) -> Option<i64> {
    let millis = match cell {
        Cell::Timestamp(micros) => return micros.checked_sub(PG_EPOCH_MICROS),
        Cell::Int(i) => i,
        Cell::Float(f) if f.is_finite() && f.abs() < 9.2e15 => f.round() as i64,
        // As for other number columns, a numeric string is read as a number.
        Cell::Str(s, e) => record.str(s, e).parse().ok()?,
        _ => return None,
    };
    millis.checked_mul(1000)?.checked_sub(PG_EPOCH_MICROS)
}

fn timestamp(cell: Cell, record: &RecordBuf) -> Option<i64> {
    let (s, e) = match cell {
        Cell::Str(s, e) => (s, e),
        Cell::Timestamp(micros) => return micros.checked_sub(PG_EPOCH_MICROS),
        _ => return None,
    };
    let text = record.str(s, e);
    let parsed = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f"))
        .ok()
        .or_else(|| {
            DateTime::parse_from_rfc3339(text)
                .ok()
                .map(|d| d.naive_utc())
        })?;
    Some(parsed.and_utc().timestamp_micros() - PG_EPOCH_MICROS)
}

fn date(cell: Cell, record: &RecordBuf) -> Option<i32> {
    let (s, e) = match cell {
        Cell::Str(s, e) => (s, e),
        Cell::Date(days) => return days.checked_sub(PG_EPOCH_DAYS as i32),
        _ => return None,
    };
    let day = NaiveDate::parse_from_str(record.str(s, e), "%Y-%m-%d").ok()?;
    let days = day
        .signed_duration_since(DateTime::UNIX_EPOCH.date_naive())
        .num_days();
    i32::try_from(days - PG_EPOCH_DAYS).ok()
}

/// Days since 1970-01-01 as a date, for messages.
fn days_text(days: i32) -> String {
    DateTime::UNIX_EPOCH
        .date_naive()
        .checked_add_signed(chrono::TimeDelta::days(days.into()))
        .map_or_else(
            || format!("{days} days after 1970-01-01"),
            |d| d.to_string(),
        )
}

/// Microseconds since 1970-01-01 as a timestamp, for messages.
fn micros_text(micros: i64) -> String {
    DateTime::from_timestamp_micros(micros).map_or_else(
        || format!("{micros} µs after 1970-01-01"),
        |t| t.naive_utc().to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codec(ty: SqlType) -> ColumnCodec {
        ColumnCodec {
            ty,
            nullable: true,
            epoch_millis: false,
        }
    }

    fn encode(codec: ColumnCodec, cell: Cell, text: &str) -> Result<Vec<u8>, String> {
        let record = RecordBuf {
            cells: vec![cell],
            text: text.to_owned(),
        };
        let mut out = BytesMut::new();
        encode_cell(codec, cell, &record, true, &mut out)?;
        Ok(out.to_vec())
    }

    #[test]
    fn integers_accept_numeric_strings() {
        assert_eq!(
            encode(codec(SqlType::Integer), Cell::Str(0, 2), "39").unwrap(),
            [0, 0, 0, 4, 0, 0, 0, 39]
        );
        assert!(encode(codec(SqlType::Integer), Cell::Str(0, 1), "x")
            .unwrap_err()
            .contains("expected an integer"));
        assert!(encode(codec(SqlType::SmallInt), Cell::Int(70000), "")
            .unwrap_err()
            .contains("out of range"));
    }

    #[test]
    fn blank_strings_are_null_outside_varchar() {
        let null = [255, 255, 255, 255];
        assert_eq!(
            encode(codec(SqlType::Integer), Cell::Str(0, 2), "  ").unwrap(),
            null
        );
        assert_eq!(
            encode(codec(SqlType::Boolean), Cell::Str(0, 0), "").unwrap(),
            null
        );
        let text = encode(codec(SqlType::Varchar(4)), Cell::Str(0, 2), "  ").unwrap();
        assert_eq!(&text[4..], b"  ");
        let strict = ColumnCodec {
            nullable: false,
            ..codec(SqlType::Integer)
        };
        let err = encode(strict, Cell::Str(0, 0), "").unwrap_err();
        assert!(err.contains("loads as NULL"), "{err}");
    }

    #[test]
    fn number_strings_are_plain_decimals() {
        let double = codec(SqlType::Double);
        assert!(encode(double, Cell::Str(0, 5), "-1e-3").is_ok());
        for bad in ["inf", "NaN", " 1.5", "1,5"] {
            let cell = Cell::Str(0, bad.len());
            assert!(encode(double, cell, bad).is_err(), "{bad}");
        }
        let err = encode(codec(SqlType::SmallInt), Cell::Float(200.0), "").unwrap_err();
        assert!(err.starts_with("200.0 is not an integer"), "{err}");
    }

    #[test]
    fn numbers_load_into_varchar_as_text() {
        let bytes = encode(codec(SqlType::Varchar(8)), Cell::Int(42), "").unwrap();
        assert_eq!(&bytes[4..], b"42");
    }

    #[test]
    fn varchar_length_is_in_bytes() {
        // "é" is 2 bytes: 4 of them are 8 bytes, 5 are 10.
        assert!(encode(codec(SqlType::Varchar(8)), Cell::Str(0, 8), "éééé").is_ok());
        let err = encode(codec(SqlType::Varchar(8)), Cell::Str(0, 10), "ééééé").unwrap_err();
        assert!(err.contains("10 bytes"), "{err}");
    }

    #[test]
    fn nulls_respect_not_null() {
        assert_eq!(
            encode(codec(SqlType::Integer), Cell::Missing, "").unwrap(),
            [255, 255, 255, 255]
        );
        let strict = ColumnCodec {
            nullable: false,
            ..codec(SqlType::Integer)
        };
        assert!(encode(strict, Cell::Null, "")
            .unwrap_err()
            .contains("NOT NULL"));
    }

    #[test]
    fn epoch_millis_become_timestamps() {
        let ts = ColumnCodec {
            epoch_millis: true,
            ..codec(SqlType::Timestamp)
        };
        // 2000-01-01T00:00:00.001 is 1 ms after PostgreSQL's epoch.
        let bytes = encode(ts, Cell::Int(946_684_800_001), "").unwrap();
        assert_eq!(i64::from_be_bytes(bytes[4..].try_into().unwrap()), 1000);
        assert!(encode(ts, Cell::Str(0, 1), "x").is_err());
        let from_text = encode(ts, Cell::Str(0, 12), "946684800001").unwrap();
        assert_eq!(from_text, bytes);
    }

    #[test]
    fn extreme_numbers_load_into_varchar_as_text() {
        let wide = codec(SqlType::Varchar(400));
        for (cell, text) in [
            (Cell::Int(i64::MIN), i64::MIN.to_string()),
            (Cell::BigUint(u64::MAX), u64::MAX.to_string()),
            (Cell::Float(f64::MAX), f64::MAX.to_string()),
            (
                Cell::Float(-f64::MIN_POSITIVE),
                (-f64::MIN_POSITIVE).to_string(),
            ),
            (Cell::Float(1.5), "1.5".to_owned()),
        ] {
            let bytes = encode(wide, cell, "").unwrap();
            assert_eq!(std::str::from_utf8(&bytes[4..]).unwrap(), text);
        }
        let err = encode(codec(SqlType::Varchar(4)), Cell::Int(123_456), "").unwrap_err();
        assert!(err.contains("6 bytes"), "{err}");
    }

    #[test]
    fn timestamps_parse_from_text() {
        let bytes = encode(
            codec(SqlType::Timestamp),
            Cell::Str(0, 19),
            "2000-01-01 00:00:01",
        )
        .unwrap();
        assert_eq!(
            i64::from_be_bytes(bytes[4..].try_into().unwrap()),
            1_000_000
        );
    }

    #[test]
    fn bad_records_leave_no_partial_tuple() {
        let codecs = [codec(SqlType::Integer), codec(SqlType::Integer)];
        let record = RecordBuf {
            cells: vec![Cell::Int(1), Cell::Nested(0, 2)],
            text: "[]".to_owned(),
        };
        let mut out = BytesMut::from(&b"keep"[..]);
        let (column, reason) = encode_record(&codecs, &record, &mut out).unwrap_err();
        assert_eq!((column, &out[..]), (1, &b"keep"[..]));
        assert!(reason.contains("nested"), "{reason}");
    }
}
