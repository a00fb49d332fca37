//! The events of `staging_events` as dwh's CSV and Parquet sources hold
//! them, for the staging load by format: the same rows as the JSON files.
//!
//! - CSV: exported by PostgreSQL itself, a header of the source names (the
//!   JSON key where the column has one), NULL written `\N`, and the
//!   `epoch_millis` column as the epoch milliseconds the source holds.
//! - Parquet: written here from that CSV with the parquet crate, one typed
//!   column per table column, row groups of [`ROW_GROUP_ROWS`] rows,
//!   snappy; rows are streamed, one row group in memory at a time.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use dwh_core::schema::{Column, SqlType, Table};
use dwh_core::sql::quote_ident;
use parquet::basic::Compression;
use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int32Type, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::{SerializedColumnWriter, SerializedFileWriter};
use parquet::schema::parser::parse_message_type;

/// How the CSV export writes NULL, and the CSV source reads it.
pub const NULL_AS: &str = "\\N";

/// Rows per Parquet row group (Spark's and pyarrow's files hold about this
/// many at 128 MB row groups of narrow rows).
pub const ROW_GROUP_ROWS: usize = 128 * 1024;

/// The name a source file gives `column`: its JSON key, else its own name.
pub fn source_name(column: &Column) -> &'static str {
    column.json.map_or(column.name, |j| j.key)
}

fn is_epoch_millis(column: &Column) -> bool {
    column.json.is_some_and(|j| j.epoch_millis)
}

/// The query psql's `\copy (…) TO` exports `table` with: every column in
/// table order, named as the source names it, an `epoch_millis` timestamp
/// as BIGINT epoch milliseconds.
pub fn csv_export_query(table: &Table) -> String {
    let columns: Vec<String> = table
        .columns
        .iter()
        .map(|c| {
            let name = quote_ident(c.name);
            let value = if is_epoch_millis(c) {
                format!("ROUND(EXTRACT(EPOCH FROM {name}) * 1000)::BIGINT")
            } else {
                name
            };
            format!("{value} AS {}", quote_ident(source_name(c)))
        })
        .collect();
    format!(
        "SELECT {} FROM {}",
        columns.join(", "),
        quote_ident(table.name)
    )
}

/// The Parquet physical type and annotation of `column`.
fn parquet_type(column: &Column) -> Result<&'static str, String> {
    if is_epoch_millis(column) {
        return Ok("INT64 {} (TIMESTAMP(MILLIS,false))");
    }
    match column.ty {
        SqlType::Varchar(_) => Ok("BYTE_ARRAY {} (STRING)"),
        SqlType::SmallInt => Ok("INT32 {} (INTEGER(16,true))"),
        SqlType::Integer => Ok("INT32 {}"),
        SqlType::BigInt => Ok("INT64 {}"),
        SqlType::Double => Ok("DOUBLE {}"),
        other => Err(format!(
            "column {}: the bench writes no Parquet for {other:?}",
            column.name
        )),
    }
}

/// The Parquet schema of `table`: every column optional, by source name.
fn parquet_schema(table: &Table) -> Result<String, String> {
    let mut fields = Vec::new();
    for column in table.columns {
        let field = parquet_type(column)?.replace("{}", source_name(column));
        fields.push(format!("  OPTIONAL {field};"));
    }
    Ok(format!(
        "message {} {{\n{}\n}}",
        table.name,
        fields.join("\n")
    ))
}

/// One column's values of the row group being written; `None` is NULL.
enum Values {
    Text(Vec<Option<ByteArray>>),
    Int32(Vec<Option<i32>>),
    Int64(Vec<Option<i64>>),
    Double(Vec<Option<f64>>),
}

impl Values {
    fn of(column: &Column) -> Values {
        match column.ty {
            _ if is_epoch_millis(column) => Values::Int64(Vec::new()),
            SqlType::Varchar(_) => Values::Text(Vec::new()),
            SqlType::SmallInt | SqlType::Integer => Values::Int32(Vec::new()),
            SqlType::BigInt => Values::Int64(Vec::new()),
            _ => Values::Double(Vec::new()),
        }
    }

    /// Appends the CSV field `field` (`\N` for NULL).
    fn push(&mut self, field: &str) -> Result<(), String> {
        let null = field == NULL_AS;
        let bad = |e: &dyn std::fmt::Display| format!("`{field}`: {e}");
        match self {
            Values::Text(v) => v.push((!null).then(|| ByteArray::from(field))),
            Values::Int32(v) => v.push(if null {
                None
            } else {
                Some(field.parse().map_err(|e| bad(&e))?)
            }),
            Values::Int64(v) => v.push(if null {
                None
            } else {
                Some(field.parse().map_err(|e| bad(&e))?)
            }),
            Values::Double(v) => v.push(if null {
                None
            } else {
                Some(field.parse().map_err(|e| bad(&e))?)
            }),
        }
        Ok(())
    }

    /// Writes the values to `writer` and empties them.
    fn write(&mut self, writer: &mut SerializedColumnWriter<'_>) -> parquet::errors::Result<()> {
        match self {
            Values::Text(v) => write_typed(writer.typed::<ByteArrayType>(), v),
            Values::Int32(v) => write_typed(writer.typed::<Int32Type>(), v),
            Values::Int64(v) => write_typed(writer.typed::<Int64Type>(), v),
            Values::Double(v) => write_typed(writer.typed::<DoubleType>(), v),
        }
    }
}

/// Writes optional `values` as Parquet's non-null values plus definition
/// levels (1 present, 0 NULL), and empties them.
fn write_typed<T>(
    writer: &mut parquet::column::writer::ColumnWriterImpl<'_, T>,
    values: &mut Vec<Option<T::T>>,
) -> parquet::errors::Result<()>
where
    T: parquet::data_type::DataType,
{
    let levels: Vec<i16> = values.iter().map(|v| i16::from(v.is_some())).collect();
    let present: Vec<T::T> = values.drain(..).flatten().collect();
    writer.write_batch(&present, Some(&levels), None)?;
    Ok(())
}

/// Writes the rows of `csv` (as [`csv_export_query`] exports `table`) to
/// `parquet` file; the rows written.
pub fn csv_to_parquet(table: &Table, csv: &Path, parquet: &Path) -> Result<u64, String> {
    let at = |e: &dyn std::fmt::Display| format!("{}: {e}", csv.display());
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_path(csv)
        .map_err(|e| at(&e))?;
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| at(&e))?
        .iter()
        .map(String::from)
        .collect();
    let expected: Vec<&str> = table.columns.iter().map(source_name).collect();
    if header != expected {
        return Err(format!(
            "{}: header {header:?}, not {expected:?}",
            csv.display()
        ));
    }
    let mut writer = parquet_writer(table, parquet)?;
    let mut columns: Vec<Values> = table.columns.iter().map(Values::of).collect();
    let (mut rows, mut in_group) = (0u64, 0usize);
    let mut record = csv::StringRecord::new();
    while reader.read_record(&mut record).map_err(|e| at(&e))? {
        for (values, field) in columns.iter_mut().zip(record.iter()) {
            values
                .push(field)
                .map_err(|e| format!("{} row {}: {e}", csv.display(), rows + 1))?;
        }
        rows += 1;
        in_group += 1;
        if in_group == ROW_GROUP_ROWS {
            write_row_group(&mut writer, &mut columns).map_err(|e| at(&e))?;
            in_group = 0;
        }
    }
    if in_group > 0 {
        write_row_group(&mut writer, &mut columns).map_err(|e| at(&e))?;
    }
    writer.close().map_err(|e| at(&e))?;
    Ok(rows)
}

fn parquet_writer(table: &Table, parquet: &Path) -> Result<SerializedFileWriter<File>, String> {
    let at = |e: &dyn std::fmt::Display| format!("{}: {e}", parquet.display());
    let schema = parse_message_type(&parquet_schema(table)?).map_err(|e| at(&e))?;
    let properties = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .build();
    let file = File::create(parquet).map_err(|e| at(&e))?;
    SerializedFileWriter::new(file, Arc::new(schema), Arc::new(properties)).map_err(|e| at(&e))
}

/// Writes the buffered rows of `columns` as one row group.
fn write_row_group(
    writer: &mut SerializedFileWriter<File>,
    columns: &mut [Values],
) -> parquet::errors::Result<()> {
    let mut group = writer.next_row_group()?;
    for values in columns.iter_mut() {
        let mut column = group
            .next_column()?
            .expect("the schema has a column per table column");
        values.write(&mut column)?;
        column.close()?;
    }
    group.close()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use parquet::basic::{LogicalType, Type as PhysicalType};
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::record::Field;

    fn table() -> &'static Table {
        crate::side_by_side::events_table()
    }

    /// Row `i`'s value of `column` as Parquet should read it back: NULL in
    /// every 7th row, else a value of the column's type made from `i`.
    fn expected(column: &Column, i: usize) -> Field {
        if i % 7 == 3 {
            return Field::Null;
        }
        match column.ty {
            _ if is_epoch_millis(column) => Field::TimestampMillis(1_541_000_000_000 + i as i64),
            SqlType::Varchar(_) => Field::Str(format!("{} \"{i}\", é", column.name)),
            SqlType::SmallInt => Field::Short((i % 600) as i16),
            SqlType::Integer => Field::Int(i as i32 - 5),
            _ => Field::Double(i as f64 + 0.25),
        }
    }

    /// The CSV text of `field`, as PostgreSQL exports it.
    fn csv_text(field: &Field) -> String {
        match field {
            Field::Null => NULL_AS.to_owned(),
            Field::Str(s) => format!("\"{}\"", s.replace('"', "\"\"")),
            Field::Short(n) => n.to_string(),
            Field::Int(n) => n.to_string(),
            Field::TimestampMillis(n) => n.to_string(),
            Field::Double(x) => x.to_string(),
            other => unreachable!("{other:?}"),
        }
    }

    #[test]
    fn csv_rows_become_typed_parquet_rows_in_row_groups() {
        let dir = std::env::temp_dir().join(format!("dwh-bench-formats-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (csv, parquet) = (dir.join("events.csv"), dir.join("events.parquet"));
        let rows = ROW_GROUP_ROWS + 2;
        let mut text = table()
            .columns
            .iter()
            .map(source_name)
            .collect::<Vec<_>>()
            .join(",");
        for i in 0..rows {
            let cells: Vec<String> = table()
                .columns
                .iter()
                .map(|c| csv_text(&expected(c, i)))
                .collect();
            text.push('\n');
            text.push_str(&cells.join(","));
        }
        std::fs::write(&csv, text + "\n").unwrap();

        assert_eq!(
            csv_to_parquet(table(), &csv, &parquet).unwrap(),
            rows as u64
        );

        let reader = SerializedFileReader::try_from(parquet.as_path()).unwrap();
        let meta = reader.metadata();
        let groups: Vec<i64> = meta.row_groups().iter().map(|g| g.num_rows()).collect();
        assert_eq!(groups, [ROW_GROUP_ROWS as i64, 2]);
        let schema = meta.file_metadata().schema_descr();
        let ts = (0..schema.num_columns())
            .map(|i| schema.column(i))
            .find(|c| c.name() == "ts")
            .unwrap();
        assert_eq!(ts.physical_type(), PhysicalType::INT64);
        assert_eq!(
            ts.logical_type_ref(),
            Some(&LogicalType::timestamp(
                false,
                parquet::basic::TimeUnit::MILLIS
            ))
        );
        for (i, row) in reader.get_row_iter(None).unwrap().enumerate() {
            let row = row.unwrap();
            for ((name, field), column) in row.get_column_iter().zip(table().columns) {
                assert_eq!(name, source_name(column));
                assert_eq!(field, &expected(column, i), "row {i}, column {name}");
            }
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_header_out_of_table_order_is_refused() {
        let dir = std::env::temp_dir().join(format!("dwh-bench-header-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let csv = dir.join("events.csv");
        let mut names: Vec<&str> = table().columns.iter().map(source_name).collect();
        names.swap(0, 1);
        std::fs::write(&csv, names.join(",") + "\n").unwrap();
        let error = csv_to_parquet(table(), &csv, &dir.join("x.parquet")).unwrap_err();
        assert!(error.contains("header"), "{error}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
