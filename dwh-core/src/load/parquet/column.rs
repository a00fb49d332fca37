//! One Parquet column of a row group read value by value into cells, in
//! batches of [`BATCH`] rows: memory stays flat whatever the file's size.

use std::io;

use parquet::column::reader::{ColumnReader, ColumnReaderImpl};
use parquet::data_type::{
    BoolType, ByteArrayType, DataType, DoubleType, FixedLenByteArrayType, FloatType, Int32Type,
    Int64Type, Int96Type,
};

use super::schema::{Read, Unit};
use crate::load::record::Cell;

/// Rows decoded at a time per column.
const BATCH: usize = 4096;

/// The typed reader of one column and its decoded values.
enum Values {
    Bool(ColumnReaderImpl<BoolType>, Vec<bool>),
    Int32(ColumnReaderImpl<Int32Type>, Vec<i32>),
    Int64(ColumnReaderImpl<Int64Type>, Vec<i64>),
    Int96(ColumnReaderImpl<Int96Type>, Vec<parquet::data_type::Int96>),
    Float(ColumnReaderImpl<FloatType>, Vec<f32>),
    Double(ColumnReaderImpl<DoubleType>, Vec<f64>),
    Bytes(
        ColumnReaderImpl<ByteArrayType>,
        Vec<parquet::data_type::ByteArray>,
    ),
    Fixed(
        ColumnReaderImpl<FixedLenByteArrayType>,
        Vec<parquet::data_type::FixedLenByteArray>,
    ),
}

/// A column of the current row group, positioned at a row.
pub struct ColumnCursor {
    values: Values,
    read: Read,
    /// Definition levels of the batch: below `max_def` is NULL.
    defs: Vec<i16>,
    max_def: i16,
    /// Rows in the batch, the next row, the next non-null value.
    rows: usize,
    row: usize,
    value: usize,
}

impl ColumnCursor {
    pub fn new(reader: ColumnReader, read: Read, max_def: i16) -> ColumnCursor {
        let values = match reader {
            ColumnReader::BoolColumnReader(r) => Values::Bool(r, Vec::new()),
            ColumnReader::Int32ColumnReader(r) => Values::Int32(r, Vec::new()),
            ColumnReader::Int64ColumnReader(r) => Values::Int64(r, Vec::new()),
            ColumnReader::Int96ColumnReader(r) => Values::Int96(r, Vec::new()),
            ColumnReader::FloatColumnReader(r) => Values::Float(r, Vec::new()),
            ColumnReader::DoubleColumnReader(r) => Values::Double(r, Vec::new()),
            ColumnReader::ByteArrayColumnReader(r) => Values::Bytes(r, Vec::new()),
            ColumnReader::FixedLenByteArrayColumnReader(r) => Values::Fixed(r, Vec::new()),
        };
        ColumnCursor {
            values,
            read,
            defs: Vec::with_capacity(BATCH),
            max_def,
            rows: 0,
            row: 0,
            value: 0,
        }
    }

    /// The next row's cell, strings appended to `text`; or why the value
    /// cannot be loaded. An I/O or decoding error of the file is `Err`.
    pub fn next_cell(&mut self, text: &mut String) -> io::Result<Result<Cell, String>> {
        if self.row == self.rows {
            self.refill()?;
        }
        let present = self.max_def == 0 || self.defs[self.row] == self.max_def;
        self.row += 1;
        if !present {
            return Ok(Ok(Cell::Null));
        }
        self.value += 1;
        Ok(self.cell(self.value - 1, text))
    }

    fn refill(&mut self) -> io::Result<()> {
        let defs = (self.max_def > 0).then_some(&mut self.defs);
        let rows = match &mut self.values {
            Values::Bool(r, v) => batch(r, v, defs),
            Values::Int32(r, v) => batch(r, v, defs),
            Values::Int64(r, v) => batch(r, v, defs),
            Values::Int96(r, v) => batch(r, v, defs),
            Values::Float(r, v) => batch(r, v, defs),
            Values::Double(r, v) => batch(r, v, defs),
            Values::Bytes(r, v) => batch(r, v, defs),
            Values::Fixed(r, v) => batch(r, v, defs),
        }
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("Parquet: {e}")))?;
        if rows == 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "Parquet: a column holds fewer rows than its row group",
            ));
        }
        (self.rows, self.row, self.value) = (rows, 0, 0);
        Ok(())
    }

    fn cell(&self, i: usize, text: &mut String) -> Result<Cell, String> {
        match (&self.values, self.read) {
            (Values::Bool(_, v), _) => Ok(Cell::Bool(v[i])),
            (Values::Int32(_, v), Read::Date) => Ok(Cell::Date(v[i])),
            (Values::Int32(_, v), Read::Int32 { unsigned, scale }) => {
                let wide = if unsigned {
                    i64::from(v[i] as u32)
                } else {
                    i64::from(v[i])
                };
                Ok(integer(wide.into(), scale))
            }
            (Values::Int64(_, v), Read::Timestamp(unit)) => timestamp(v[i], unit),
            (Values::Int64(_, v), Read::Int64 { unsigned, scale }) => {
                let wide = if unsigned {
                    i128::from(v[i] as u64)
                } else {
                    i128::from(v[i])
                };
                Ok(integer(wide, scale))
            }
            (Values::Int96(_, v), _) => Ok(Cell::Timestamp(v[i].to_micros())),
            (Values::Float(_, v), Read::Float { numeric: true }) => float_decimal(v[i]),
            (Values::Float(_, v), _) => Ok(Cell::Float(f64::from(v[i]))),
            (Values::Double(_, v), Read::Float { numeric: true }) => float_decimal(v[i]),
            (Values::Double(_, v), _) => Ok(Cell::Float(v[i])),
            (Values::Bytes(_, v), Read::DecimalBytes { scale }) => {
                bytes_decimal(v[i].data(), scale)
            }
            (Values::Fixed(_, v), Read::DecimalBytes { scale }) => {
                bytes_decimal(v[i].data(), scale)
            }
            (Values::Bytes(_, v), _) => {
                let value = std::str::from_utf8(v[i].data())
                    .map_err(|_| "the string is not valid UTF-8".to_string())?;
                let start = text.len();
                text.push_str(value);
                Ok(Cell::Str(start, text.len()))
            }
            (_, read) => Err(format!("values of this column cannot be read as {read:?}")),
        }
    }
}

/// Reads up to [`BATCH`] rows of a flat column: how many.
fn batch<T: DataType>(
    reader: &mut ColumnReaderImpl<T>,
    values: &mut Vec<T::T>,
    defs: Option<&mut Vec<i16>>,
) -> parquet::errors::Result<usize> {
    values.clear();
    let mut defs = defs;
    if let Some(defs) = defs.as_mut() {
        defs.clear();
    }
    let (rows, _, _) = reader.read_records(BATCH, defs, None, values)?;
    Ok(rows)
}

/// An integer as an integer cell, or as a decimal one for a NUMERIC column.
fn integer(value: i128, scale: Option<u8>) -> Cell {
    match (scale, i64::try_from(value)) {
        (Some(scale), _) => Cell::decimal(value, scale),
        (None, Ok(v)) => Cell::Int(v),
        (None, Err(_)) => Cell::BigUint(value as u64),
    }
}

fn timestamp(value: i64, unit: Unit) -> Result<Cell, String> {
    let micros = match unit {
        Unit::Millis => value.checked_mul(1000),
        Unit::Micros => Some(value),
        // PostgreSQL and Redshift keep microseconds: the nanoseconds are cut.
        Unit::Nanos => Some(value.div_euclid(1000)),
    };
    micros
        .map(Cell::Timestamp)
        .ok_or_else(|| format!("timestamp {value} ms is out of range"))
}

/// A float's shortest decimal text as a decimal cell (what a reader of
/// the file sees written), for a NUMERIC column.
fn float_decimal(value: impl Into<f64> + std::fmt::Display + Copy) -> Result<Cell, String> {
    if !value.into().is_finite() {
        return Err(format!("{value} does not load into NUMERIC"));
    }
    let text = value.to_string();
    let (integer, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let scale = u8::try_from(fraction.len()).ok();
    let unscaled = format!("{integer}{fraction}").parse::<i128>().ok();
    match (unscaled, scale) {
        (Some(unscaled), Some(scale)) if scale <= 38 => Ok(Cell::decimal(unscaled, scale)),
        _ => Err(format!("{value} is out of range for NUMERIC")),
    }
}

/// A DECIMAL's big-endian two's complement bytes as a decimal cell.
fn bytes_decimal(bytes: &[u8], scale: u8) -> Result<Cell, String> {
    if bytes.len() > 16 {
        return Err(format!(
            "a {}-byte DECIMAL is wider than 38 digits",
            bytes.len()
        ));
    }
    let negative = bytes.first().is_some_and(|b| b & 0x80 != 0);
    let mut wide = [if negative { 0xff } else { 0 }; 16];
    wide[16 - bytes.len()..].copy_from_slice(bytes);
    Ok(Cell::decimal(i128::from_be_bytes(wide), scale))
}
