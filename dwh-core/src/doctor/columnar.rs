//! The doctor's JSON records rewritten as a Parquet file, for its Parquet
//! COPY probe: one row group, uncompressed, the table's columns in the
//! table's order (Redshift's columnar COPY maps columns by position,
//! <https://docs.aws.amazon.com/redshift/latest/dg/copy-usage_notes-copy-from-columnar.html>),
//! each named by its source name as `check_parquet` reads them.

use std::sync::Arc;

use parquet::basic::{Compression, LogicalType, Repetition, TimeUnit, Type as Physical};
use parquet::data_type::{ByteArray, ByteArrayType, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::{SerializedFileWriter, SerializedRowGroupWriter};
use parquet::schema::types::Type;
use serde_json::Value;

use crate::schema::{Column, SqlType, Table};

/// `lines`, JSON records of `table`, as a Parquet file: VARCHARs as
/// STRING, epoch-millisecond TIMESTAMPs as TIMESTAMP(MICROS) adjusted to
/// UTC (what Spark writes; Redshift's COPY of Parquet takes no
/// TIMEFORMAT, so an epoch number would not load as a time). Other types
/// are refused: the doctor's staging tables have none.
pub fn parquet_of(table: &Table, lines: &str) -> Result<Vec<u8>, String> {
    let records = lines
        .lines()
        .map(serde_json::from_str::<Value>)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("the doctor's JSON of {}: {e}", table.name))?;
    let fields = table
        .columns
        .iter()
        .map(|column| field(column).map(Arc::new))
        .collect::<Result<Vec<_>, _>>()?;
    let schema = Type::group_type_builder(table.name)
        .with_fields(fields)
        .build()
        .map_err(|e| e.to_string())?;
    let props = WriterProperties::builder()
        .set_compression(Compression::UNCOMPRESSED)
        .build();
    let mut out = Vec::new();
    let mut writer = SerializedFileWriter::new(&mut out, Arc::new(schema), Arc::new(props))
        .map_err(|e| e.to_string())?;
    let mut group = writer.next_row_group().map_err(|e| e.to_string())?;
    for column in table.columns {
        let values: Vec<Option<&Value>> = records
            .iter()
            .map(|record| record.get(source_name(column)).filter(|v| !v.is_null()))
            .collect();
        write_column(&mut group, column, &values)?;
    }
    group.close().map_err(|e| e.to_string())?;
    writer.close().map_err(|e| e.to_string())?;
    Ok(out)
}

/// The name a column has in the doctor's files (its JSON key).
fn source_name(column: &Column) -> &'static str {
    column.json.map_or(column.name, |j| j.key)
}

fn is_epoch_millis(column: &Column) -> bool {
    column.json.is_some_and(|j| j.epoch_millis)
}

/// The optional Parquet field of `column`.
fn field(column: &Column) -> Result<Type, String> {
    let (physical, logical) = match column.ty {
        ty if ty.is_varchar() => (Physical::BYTE_ARRAY, LogicalType::String),
        SqlType::Timestamp if is_epoch_millis(column) => (
            Physical::INT64,
            LogicalType::timestamp(true, TimeUnit::MICROS),
        ),
        other => return Err(unsupported(column, other)),
    };
    Type::primitive_type_builder(source_name(column), physical)
        .with_repetition(Repetition::OPTIONAL)
        .with_logical_type(Some(logical))
        .build()
        .map_err(|e| e.to_string())
}

fn unsupported(column: &Column, ty: SqlType) -> String {
    format!(
        "the doctor writes Parquet of VARCHAR and epoch-millisecond TIMESTAMP columns, not `{}` {ty}",
        column.name
    )
}

/// `values` (`None` is NULL) as the next column of `group`.
fn write_column(
    group: &mut SerializedRowGroupWriter<'_, &mut Vec<u8>>,
    column: &Column,
    values: &[Option<&Value>],
) -> Result<(), String> {
    let levels: Vec<i16> = values.iter().map(|v| i16::from(v.is_some())).collect();
    let present = values.iter().flatten();
    let mut writer = group
        .next_column()
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("no Parquet column for `{}`", column.name))?;
    let bad = |value: &Value| format!("`{}` of the doctor's data is {value}", column.name);
    let written = if column.ty.is_varchar() {
        let text = present
            .map(|v| v.as_str().map(ByteArray::from).ok_or_else(|| bad(v)))
            .collect::<Result<Vec<_>, _>>()?;
        writer
            .typed::<ByteArrayType>()
            .write_batch(&text, Some(&levels), None)
    } else {
        let micros = present
            .map(|v| {
                v.as_i64()
                    .and_then(|ms| ms.checked_mul(1000))
                    .ok_or_else(|| bad(v))
            })
            .collect::<Result<Vec<_>, _>>()?;
        writer
            .typed::<Int64Type>()
            .write_batch(&micros, Some(&levels), None)
    };
    written.map_err(|e| e.to_string())?;
    writer.close().map_err(|e| e.to_string())
}
