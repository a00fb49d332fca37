//! The Parquet reader on files written by the parquet crate's own writer:
//! the schema refusals, and rows across row groups. (Files written by an
//! independent tool, pyarrow, are read in tests/parquet_source.rs.)

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parquet::data_type::{ByteArray, ByteArrayType, Int32Type, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;

use super::*;
use crate::load::record::Cell;
use crate::load::LocalDir;
use crate::project::FilePattern;
use crate::schema::{Column, JsonField, SqlType, TableKind};

static TABLE: Table = Table {
    columns: &[
        Column {
            nullable: false,
            ..Column::new("id", SqlType::BigInt)
        },
        Column {
            json: Some(JsonField {
                key: "userName",
                epoch_millis: false,
            }),
            ..Column::new("user_name", SqlType::Varchar(20))
        },
        Column::new("n", SqlType::SmallInt),
    ],
    ..Table::new("staging_t", TableKind::Staging)
};

const GOOD: &str = "message m { required int64 id; optional binary userName (STRING); \
                    optional int32 n; }";

fn folder(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dwh-parquet-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A file of `schema` with no rows: enough for the schema checks.
fn empty_file(path: &Path, schema: &str) {
    let schema = Arc::new(parse_message_type(schema).unwrap());
    let file = std::fs::File::create(path).unwrap();
    let props = Arc::new(WriterProperties::builder().build());
    SerializedFileWriter::new(file, schema, props)
        .unwrap()
        .close()
        .unwrap();
}

/// The refusal of a file of `schema`, by the loader and by `check_parquet`.
fn refusal(name: &str, schema: &str) -> (String, String) {
    let dir = folder(name);
    let path = dir.join("f.parquet");
    empty_file(&path, schema);
    let source = LocalDir::matching(&dir, FilePattern::new("*.parquet").unwrap());
    let file = &source.files().unwrap()[0];
    let load = match ParquetRecords::open(&source, file, &TABLE) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("{schema} was accepted"),
    };
    let check = check_parquet(&path, &TABLE).unwrap_err();
    (load, check)
}

#[test]
fn a_column_of_the_wrong_type_is_refused_naming_both_types() {
    let (load, check) = refusal(
        "wrong_type",
        "message m { required int64 id; optional binary userName (STRING); optional double n; }",
    );
    let expected = "column `n` is DOUBLE in the file, which does not load into SMALLINT";
    assert!(
        load.contains(expected) && load.contains("f.parquet"),
        "{load}"
    );
    assert!(check.contains(expected), "{check}");
}

static TIMED: Table = Table {
    columns: &[Column {
        json: Some(JsonField {
            key: "tsMillis",
            epoch_millis: true,
        }),
        ..Column::new("ts", SqlType::Timestamp)
    }],
    ..Table::new("staging_timed", TableKind::Staging)
};

#[test]
fn epoch_milliseconds_are_refused_for_a_timestamp_on_both_targets() {
    let dir = folder("epoch_millis");
    let path = dir.join("f.parquet");
    empty_file(&path, "message m { optional int64 tsMillis; }");
    let check = check_parquet(&path, &TIMED).unwrap_err();
    assert!(
        check.contains("column `tsMillis` is INT64 in the file")
            && check.contains("write it as a Parquet TIMESTAMP"),
        "{check}"
    );
    empty_file(
        &path,
        "message m { optional int64 tsMillis (TIMESTAMP(MILLIS,false)); }",
    );
    assert_eq!(check_parquet(&path, &TIMED), Ok(0));
}

#[test]
fn an_unknown_or_missing_column_is_refused() {
    let (load, _) = refusal(
        "unknown",
        "message m { required int64 id; optional binary userName (STRING); optional int32 n; \
         optional int32 extra; }",
    );
    assert!(
        load.contains("a column `extra` that the table lacks"),
        "{load}"
    );
    let (load, check) = refusal(
        "missing",
        "message m { required int64 id; optional int32 n; }",
    );
    assert!(load.contains("lacks the column `userName`"), "{load}");
    assert!(check.contains("lacks the column `userName`"), "{check}");
    let (load, _) = refusal(
        "twice",
        "message m { required int64 id; optional binary userName (STRING); optional int32 n; \
         optional int32 n; }",
    );
    assert!(load.contains("two columns named `n`"), "{load}");
}

#[test]
fn nested_columns_are_refused() {
    let (load, _) = refusal(
        "nested",
        "message m { required int64 id; optional binary userName (STRING); \
         optional group n (LIST) { repeated group list { optional int32 element; } } }",
    );
    assert!(load.contains("column `n` is nested"), "{load}");
}

#[test]
fn the_redshift_check_requires_the_tables_column_order() {
    let dir = folder("order");
    let path = dir.join("f.parquet");
    empty_file(&path, GOOD);
    assert_eq!(check_parquet(&path, &TABLE), Ok(0));
    empty_file(
        &path,
        "message m { optional binary userName (STRING); required int64 id; optional int32 n; }",
    );
    let err = check_parquet(&path, &TABLE).unwrap_err();
    assert!(
        err.contains("write the columns in the table's order: id, userName, n"),
        "{err}"
    );
}

/// An (id, userName, n) row; `None` is NULL.
type Row<'a> = (i64, Option<&'a str>, Option<i32>);

/// Row groups of rows.
fn write_rows(path: &Path, groups: &[&[Row]]) {
    let schema = Arc::new(parse_message_type(GOOD).unwrap());
    let file = std::fs::File::create(path).unwrap();
    let props = Arc::new(WriterProperties::builder().build());
    let mut writer = SerializedFileWriter::new(file, schema, props).unwrap();
    for rows in groups {
        let mut group = writer.next_row_group().unwrap();
        let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
        let mut column = group.next_column().unwrap().unwrap();
        column
            .typed::<Int64Type>()
            .write_batch(&ids, None, None)
            .unwrap();
        column.close().unwrap();
        let names: Vec<ByteArray> = rows
            .iter()
            .filter_map(|r| r.1)
            .map(ByteArray::from)
            .collect();
        let defs: Vec<i16> = rows.iter().map(|r| i16::from(r.1.is_some())).collect();
        let mut column = group.next_column().unwrap().unwrap();
        column
            .typed::<ByteArrayType>()
            .write_batch(&names, Some(&defs), None)
            .unwrap();
        column.close().unwrap();
        let ns: Vec<i32> = rows.iter().filter_map(|r| r.2).collect();
        let defs: Vec<i16> = rows.iter().map(|r| i16::from(r.2.is_some())).collect();
        let mut column = group.next_column().unwrap().unwrap();
        column
            .typed::<Int32Type>()
            .write_batch(&ns, Some(&defs), None)
            .unwrap();
        column.close().unwrap();
        group.close().unwrap();
    }
    writer.close().unwrap();
}

#[test]
fn rows_are_read_across_row_groups_with_nulls() {
    let dir = folder("rows");
    let rows: [&[Row]; 2] = [
        &[(1, Some("ann"), None), (2, None, Some(7))],
        &[(3, Some("bo"), Some(-1))],
    ];
    write_rows(&dir.join("f.parquet"), &rows);
    let source = LocalDir::matching(&dir, FilePattern::new("*.parquet").unwrap());
    let file = &source.files().unwrap()[0];
    let mut records = ParquetRecords::open(&source, file, &TABLE).unwrap();
    let mut buf = RecordBuf::default();
    let mut read = Vec::new();
    while let Some((row, outcome)) = records.next_into(&mut buf).unwrap() {
        assert!(outcome.is_ok());
        let name = match buf.cells[1] {
            Cell::Str(s, e) => Some(buf.str(s, e).to_string()),
            Cell::Null => None,
            other => panic!("{other:?}"),
        };
        read.push((row, buf.cells[0], name, buf.cells[2]));
    }
    let expected: Vec<_> = rows
        .iter()
        .flat_map(|g| g.iter())
        .enumerate()
        .map(|(i, r)| {
            let n = r.2.map_or(Cell::Null, |n| Cell::Int(n.into()));
            (i as u64 + 1, Cell::Int(r.0), r.1.map(String::from), n)
        })
        .collect();
    assert_eq!(read, expected);
    assert!(records.bytes_read() > 0);
}

#[test]
fn a_gzipped_parquet_file_is_refused_by_the_listing() {
    let dir = folder("gz");
    std::fs::write(dir.join("a.parquet.gz"), b"").unwrap();
    let source = LocalDir::matching(&dir, FilePattern::new("*.parquet").unwrap());
    let err = source.files().unwrap_err().to_string();
    assert!(
        err.contains("a.parquet.gz: gzipped, and Parquet files are compressed inside"),
        "{err}"
    );
}

/// A source whose files are not on the local disk, as S3's are not.
#[derive(Debug)]
struct Remote(LocalDir);

impl Source for Remote {
    fn location(&self) -> String {
        self.0.location()
    }
    fn files(&self) -> io::Result<Vec<SourceFile>> {
        self.0.files()
    }
    fn open(&self, file: &SourceFile) -> io::Result<Box<dyn io::Read + Send>> {
        self.0.open(file)
    }
    fn format(&self) -> &crate::project::Format {
        Source::format(&self.0)
    }
}

/// The dwh temporary copies present now.
fn copies() -> Vec<PathBuf> {
    let prefix = format!("dwh-{}-", std::process::id());
    std::fs::read_dir(std::env::temp_dir())
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.starts_with(&prefix) && name.ends_with(".parquet")
        })
        .collect()
}

#[test]
fn a_remote_file_is_read_from_a_temporary_copy_removed_after() {
    let dir = folder("remote");
    write_rows(&dir.join("f.parquet"), &[&[(1, Some("ann"), Some(2))]]);
    let source = Remote(LocalDir::matching(
        &dir,
        FilePattern::new("*.parquet").unwrap(),
    ));
    let file = &source.files().unwrap()[0];
    let mut records = ParquetRecords::open(&source, file, &TABLE).unwrap();
    assert_eq!(copies().len(), 1, "a copy while reading");
    let mut buf = RecordBuf::default();
    let (row, outcome) = records.next_into(&mut buf).unwrap().unwrap();
    assert!(outcome.is_ok());
    assert_eq!(
        (row, buf.cells[0], buf.cells[2]),
        (1, Cell::Int(1), Cell::Int(2))
    );
    assert!(records.next_into(&mut buf).unwrap().is_none());
    drop(records);
    assert_eq!(copies(), Vec::<PathBuf>::new(), "the copy is removed");
}

static AMOUNTS: Table = Table {
    columns: &[Column::new(
        "amount",
        SqlType::Numeric {
            precision: 12,
            scale: 2,
        },
    )],
    ..Table::new("staging_amounts", TableKind::Staging)
};

/// Why a one-column file of `schema` does not load into AMOUNTS, if not.
fn amount_refusal(schema: &str) -> Option<String> {
    let dir = folder("amounts");
    let path = dir.join("f.parquet");
    empty_file(&path, schema);
    check_parquet(&path, &AMOUNTS).err()
}

#[test]
fn decimals_load_only_into_numerics_that_hold_every_value() {
    let fits = "message m { optional fixed_len_byte_array(5) amount (DECIMAL(10,2)); }";
    assert_eq!(amount_refusal(fits), None);
    assert_eq!(
        amount_refusal("message m { optional int64 amount (DECIMAL(11,1)); }"),
        None
    );
    // More decimals would round; more integer digits would not fit.
    for (schema, shown) in [
        (
            "message m { optional int64 amount (DECIMAL(12,3)); }",
            "INT64 DECIMAL(12, 3)",
        ),
        (
            "message m { optional fixed_len_byte_array(9) amount (DECIMAL(20,2)); }",
            "FIXED_LEN_BYTE_ARRAY DECIMAL(20, 2)",
        ),
        (
            "message m { optional int64 amount (TIMESTAMP(MICROS,true)); }",
            "INT64 TIMESTAMP(MICROS, UTC)",
        ),
    ] {
        let expected = format!(
            "column `amount` is {shown} in the file, which does not load into NUMERIC(12,2)"
        );
        assert_eq!(amount_refusal(schema), Some(expected));
    }
}
