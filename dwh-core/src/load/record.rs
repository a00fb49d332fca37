//! Reading JSON records into a reusable row of cells, without allocating per
//! record: string values are appended to one text buffer that is cleared for
//! each record, and cells keep ranges into it.

use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};

/// One JSON value as read for a column.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell {
    /// The key was absent: "COPY attempts to load a NULL value"
    /// (https://docs.aws.amazon.com/redshift/latest/dg/copy-parameters-data-format.html).
    Missing,
    /// JSON `null`, or a CSV field equal to the source's NULL text.
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// An integer beyond i64 (kept for the error message).
    BigUint(u64),
    /// A number with a fraction or an exponent.
    Float(f64),
    /// A range of [`RecordBuf::text`].
    Str(usize, usize),
    /// An object or array, as compact JSON text in [`RecordBuf::text`]:
    /// Redshift's COPY loads one into a VARCHAR as its text.
    Nested(usize, usize),
    /// A Parquet DATE: days since 1970-01-01.
    Date(i32),
    /// A Parquet TIMESTAMP or INT96: microseconds since 1970-01-01 (UTC
    /// when the file says the time is adjusted to UTC).
    Timestamp(i64),
    /// A Parquet DECIMAL (or a number read for a NUMERIC column): the
    /// unscaled value in two halves (an `i128` would make every cell
    /// wider), and its scale. See [`Cell::decimal`].
    Decimal {
        /// The unscaled value's high 64 bits.
        high: i64,
        /// Its low 64 bits.
        low: u64,
        /// Digits after the point.
        scale: u8,
    },
}

impl Cell {
    /// The cell of `unscaled` × 10^-`scale`.
    pub fn decimal(unscaled: i128, scale: u8) -> Cell {
        Cell::Decimal {
            high: (unscaled >> 64) as i64,
            low: unscaled as u64,
            scale,
        }
    }

    /// A decimal cell's unscaled value and scale.
    pub fn decimal_parts(self) -> Option<(i128, u8)> {
        match self {
            Cell::Decimal { high, low, scale } => {
                Some((((high as i128) << 64) | low as i128, scale))
            }
            _ => None,
        }
    }
}

/// The values of one record, one cell per column, reused across records.
#[derive(Debug, Default)]
pub struct RecordBuf {
    /// One cell per column of the table, in column order.
    pub cells: Vec<Cell>,
    /// The text the cells' ranges point into.
    pub text: String,
}

impl RecordBuf {
    /// The text of a [`Cell::Str`] or [`Cell::Nested`] range.
    pub fn str(&self, start: usize, end: usize) -> &str {
        &self.text[start..end]
    }
}

/// Maps JSON keys to column positions.
#[derive(Debug, Clone)]
pub struct KeyMap {
    keys: Vec<&'static str>,
}

impl KeyMap {
    pub fn new(keys: Vec<&'static str>) -> KeyMap {
        KeyMap { keys }
    }

    pub fn columns(&self) -> usize {
        self.keys.len()
    }

    /// The column of `key`, trying `hint` first: records usually list
    /// their keys in the same order, so the column after the last one found
    /// is nearly always the next. Tables have tens of columns: a linear
    /// scan beats hashing for the rest.
    fn position(&self, key: &str, hint: usize) -> Option<usize> {
        if self.keys.get(hint) == Some(&key) {
            return Some(hint);
        }
        self.keys.iter().position(|k| *k == key)
    }
}

/// Deserializes one JSON object into a [`RecordBuf`].
pub struct RecordSeed<'a> {
    pub keys: &'a KeyMap,
    pub buf: &'a mut RecordBuf,
}

/// A record that is not a JSON object.
pub const NOT_AN_OBJECT: &str = "expected a JSON object";

impl<'de> DeserializeSeed<'de> for RecordSeed<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        self.buf.cells.clear();
        self.buf.cells.resize(self.keys.columns(), Cell::Missing);
        self.buf.text.clear();
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RecordSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(NOT_AN_OBJECT)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut hint = 0;
        while let Some(column) = map.next_key_seed(KeySeed(self.keys, hint))? {
            match column {
                Some(i) => {
                    let cell = map.next_value_seed(CellSeed(&mut self.buf.text))?;
                    self.buf.cells[i] = cell;
                    hint = i + 1;
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// Resolves a key to its column without allocating; the column to try
/// first.
struct KeySeed<'a>(&'a KeyMap, usize);

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = Option<usize>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Option<usize>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_> {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Option<usize>, E> {
        Ok(self.0.position(key, self.1))
    }
}

/// Reads one value into a [`Cell`], appending strings to the text buffer.
struct CellSeed<'a>(&'a mut String);

impl<'de> DeserializeSeed<'de> for CellSeed<'_> {
    type Value = Cell;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Cell, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for CellSeed<'_> {
    type Value = Cell;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Cell, E> {
        Ok(Cell::Null)
    }

    fn visit_none<E>(self) -> Result<Cell, E> {
        Ok(Cell::Null)
    }

    fn visit_bool<E>(self, v: bool) -> Result<Cell, E> {
        Ok(Cell::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Cell, E> {
        Ok(Cell::Int(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Cell, E> {
        Ok(i64::try_from(v).map_or(Cell::BigUint(v), Cell::Int))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Cell, E> {
        Ok(Cell::Float(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Cell, E> {
        let start = self.0.len();
        self.0.push_str(v);
        Ok(Cell::Str(start, self.0.len()))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Cell, A::Error> {
        let start = self.0.len();
        JsonText(self.0).visit_map(map)?;
        Ok(Cell::Nested(start, self.0.len()))
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<Cell, A::Error> {
        let start = self.0.len();
        JsonText(self.0).visit_seq(seq)?;
        Ok(Cell::Nested(start, self.0.len()))
    }
}

/// Writes a value back as compact JSON text, keys in source order.
struct JsonText<'a>(&'a mut String);

impl<'de> DeserializeSeed<'de> for JsonText<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for JsonText<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        self.0.push_str("null");
        Ok(())
    }

    fn visit_bool<E>(self, v: bool) -> Result<(), E> {
        self.0.push_str(if v { "true" } else { "false" });
        Ok(())
    }

    fn visit_i64<E>(self, v: i64) -> Result<(), E> {
        self.0.push_str(&v.to_string());
        Ok(())
    }

    fn visit_u64<E>(self, v: u64) -> Result<(), E> {
        self.0.push_str(&v.to_string());
        Ok(())
    }

    fn visit_f64<E>(self, v: f64) -> Result<(), E> {
        // JSON text holds only finite numbers; `Number` writes them as JSON.
        let number = serde_json::Number::from_f64(v).map(|n| n.to_string());
        self.0.push_str(number.as_deref().unwrap_or("null"));
        Ok(())
    }

    fn visit_str<E>(self, v: &str) -> Result<(), E> {
        let quoted = serde_json::Value::from(v).to_string();
        self.0.push_str(&quoted);
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        self.0.push('{');
        let mut first = true;
        loop {
            // A comma goes before every key but the first; taken back at the end.
            let mark = self.0.len();
            if !first {
                self.0.push(',');
            }
            if map.next_key_seed(JsonText(self.0))?.is_none() {
                self.0.truncate(mark);
                break;
            }
            first = false;
            self.0.push(':');
            map.next_value_seed(JsonText(self.0))?;
        }
        self.0.push('}');
        Ok(())
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.0.push('[');
        let mut first = true;
        loop {
            let mark = self.0.len();
            if !first {
                self.0.push(',');
            }
            if seq.next_element_seed(JsonText(self.0))?.is_none() {
                self.0.truncate(mark);
                break;
            }
            first = false;
        }
        self.0.push(']');
        Ok(())
    }
}

/// The largest record Redshift's COPY reads: "The maximum size of a JSON
/// object in Amazon Redshift is 4 MB, which applies before any shredding
/// or parsing" (<https://docs.aws.amazon.com/redshift/latest/dg/copy_json.html>).
/// A record the cluster would refuse is refused locally too, so both
/// engines load the same rows.
pub const MAX_RECORD_BYTES: usize = 4 * 1024 * 1024;

/// A record that could not be read, and how many records it stands for:
/// one, or every element of a top-level JSON array.
pub struct Unreadable {
    /// Why, for a person.
    pub reason: String,
    /// How many records it stands for.
    pub records: u64,
}

/// A reader of one file's records in a format other than JSON (whose
/// reader has a faster path of its own).
pub trait Records {
    /// Reads the next record's cells into `record`, one per column of the
    /// table: the line (or row) it is at and whether it could be read;
    /// `None` at the end of the file. An `Unreadable` record is skipped
    /// under `--max-errors`; an I/O error stops the load.
    fn next_into(
        &mut self,
        record: &mut RecordBuf,
    ) -> std::io::Result<Option<(u64, Result<(), Unreadable>)>>;
    /// Source bytes read so far, for progress and the report.
    fn bytes_read(&self) -> u64;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(json: &str, keys: &[&'static str]) -> RecordBuf {
        let keys = KeyMap::new(keys.to_vec());
        let mut buf = RecordBuf::default();
        let mut de = serde_json::Deserializer::from_str(json);
        RecordSeed {
            keys: &keys,
            buf: &mut buf,
        }
        .deserialize(&mut de)
        .unwrap();
        buf
    }

    #[test]
    fn reads_cells_by_key() {
        let buf = read(
            r#"{"b": 2, "a": "x\"y", "extra": {"n": [1]}, "c": null, "d": 1.5}"#,
            &["a", "b", "c", "d", "missing"],
        );
        assert_eq!(buf.cells[1], Cell::Int(2));
        let Cell::Str(s, e) = buf.cells[0] else {
            panic!("not a string")
        };
        assert_eq!(buf.str(s, e), "x\"y");
        assert_eq!(buf.cells[2], Cell::Null);
        assert_eq!(buf.cells[3], Cell::Float(1.5));
        assert_eq!(buf.cells[4], Cell::Missing);
    }

    #[test]
    fn nested_values_keep_their_compact_text() {
        let json = r#"{"a": [1, 2.5, "x\"y"], "b": {"z": null, "c": {"d": [true, []]}}}"#;
        let buf = read(json, &["a", "b"]);
        let texts: Vec<&str> = buf
            .cells
            .iter()
            .map(|c| match *c {
                Cell::Nested(s, e) => buf.str(s, e),
                other => panic!("not nested: {other:?}"),
            })
            .collect();
        assert_eq!(
            texts,
            [r#"[1,2.5,"x\"y"]"#, r#"{"z":null,"c":{"d":[true,[]]}}"#]
        );
    }

    #[test]
    fn a_non_object_is_an_error() {
        let keys = KeyMap::new(vec!["a"]);
        let mut buf = RecordBuf::default();
        let mut de = serde_json::Deserializer::from_str("[1]");
        let err = RecordSeed {
            keys: &keys,
            buf: &mut buf,
        }
        .deserialize(&mut de)
        .unwrap_err();
        assert!(err.to_string().contains(NOT_AN_OBJECT), "{err}");
    }
}
