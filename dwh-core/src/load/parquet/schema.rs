//! A Parquet file's schema checked against a staging table before any row
//! is read: which file column feeds each table column, and how its values
//! become cells.

use parquet::basic::{ConvertedType, LogicalType, TimeUnit, Type as Physical};
use parquet::schema::types::{ColumnDescriptor, SchemaDescriptor};

use crate::schema::{Column, SqlType, Table};

/// How one file column's values become cells.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Read {
    Bool,
    /// INT32: as an integer, reinterpreted when unsigned; with a scale, as
    /// a decimal; or as a DATE.
    Int32 {
        unsigned: bool,
        scale: Option<u8>,
    },
    Int64 {
        unsigned: bool,
        scale: Option<u8>,
    },
    Date,
    /// INT64 TIMESTAMP in this unit.
    Timestamp(Unit),
    Int96,
    /// FLOAT or DOUBLE; as a decimal for a NUMERIC column.
    Float {
        numeric: bool,
    },
    Text,
    /// DECIMAL stored as big-endian two's complement bytes.
    DecimalBytes {
        scale: u8,
    },
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Unit {
    Millis,
    Micros,
    Nanos,
}

/// For each table column, in the table's order: the file column (leaf
/// index) and how it is read.
pub type Plan = Vec<(usize, Read)>;

/// The name a table column has in source files.
pub fn source_name(column: &Column) -> &'static str {
    column.json.map_or(column.name, |j| j.key)
}

/// Maps `schema` to `table` by name, in any order; why not, naming the
/// column, its Parquet type and the SQL type.
pub fn plan(schema: &SchemaDescriptor, table: &Table) -> Result<Plan, String> {
    refuse_nested(schema)?;
    let names: Vec<&str> = schema.columns().iter().map(|c| c.name()).collect();
    if let Some(twice) = names
        .iter()
        .enumerate()
        .find_map(|(i, n)| names[..i].contains(n).then_some(n))
    {
        return Err(format!("the file has two columns named `{twice}`"));
    }
    if let Some(unknown) = names
        .iter()
        .find(|n| !table.columns.iter().any(|c| source_name(c) == **n))
    {
        return Err(format!(
            "the file has a column `{unknown}` that the table lacks (its columns: {})",
            table_names(table)
        ));
    }
    table
        .columns
        .iter()
        .map(|column| {
            let name = source_name(column);
            let leaf = names.iter().position(|n| *n == name).ok_or_else(|| {
                format!(
                    "the file lacks the column `{name}` (its columns: {})",
                    names.join(", ")
                )
            })?;
            let descriptor = schema.column(leaf);
            let read = read_for(&descriptor, column).ok_or_else(|| {
                format!(
                    "column `{name}` is {} in the file, which does not load into {}{}",
                    describe(&descriptor),
                    column.ty,
                    hint(&descriptor, column)
                )
            })?;
            Ok((leaf, read))
        })
        .collect()
}

/// The table's source names, in order, for messages.
pub fn table_names(table: &Table) -> String {
    let names: Vec<&str> = table.columns.iter().map(source_name).collect();
    names.join(", ")
}

fn refuse_nested(schema: &SchemaDescriptor) -> Result<(), String> {
    let nested = schema.root_schema().get_fields().iter().find(|f| {
        f.is_group() || f.get_basic_info().repetition() == parquet::basic::Repetition::REPEATED
    });
    match nested {
        Some(field) => Err(format!(
            "column `{}` is nested (a group, list or map, or repeated): dwh loads flat columns only",
            field.name()
        )),
        None => Ok(()),
    }
}

/// What a column's logical (or legacy converted) type says.
#[derive(Debug, PartialEq)]
enum Logical {
    None,
    Text,
    Int { signed: bool },
    Decimal { precision: i32, scale: i32 },
    Date,
    Timestamp(Unit),
    Other,
}

fn logical(descriptor: &ColumnDescriptor) -> Logical {
    let unit = |u: &TimeUnit| match u {
        TimeUnit::MILLIS => Unit::Millis,
        TimeUnit::MICROS => Unit::Micros,
        _ => Unit::Nanos,
    };
    let decimal = || Logical::Decimal {
        precision: descriptor.type_precision(),
        scale: descriptor.type_scale(),
    };
    match descriptor.logical_type_ref() {
        Some(LogicalType::String | LogicalType::Enum | LogicalType::Json) => Logical::Text,
        Some(LogicalType::Integer(int)) => Logical::Int {
            signed: int.is_signed,
        },
        Some(LogicalType::Decimal(_)) => decimal(),
        Some(LogicalType::Date) => Logical::Date,
        Some(LogicalType::Timestamp(t)) => Logical::Timestamp(unit(&t.unit)),
        Some(_) => Logical::Other,
        None => match descriptor.converted_type() {
            ConvertedType::NONE => Logical::None,
            ConvertedType::UTF8 | ConvertedType::ENUM | ConvertedType::JSON => Logical::Text,
            ConvertedType::INT_8 | ConvertedType::INT_16 => Logical::Int { signed: true },
            ConvertedType::INT_32 | ConvertedType::INT_64 => Logical::Int { signed: true },
            ConvertedType::UINT_8 | ConvertedType::UINT_16 => Logical::Int { signed: false },
            ConvertedType::UINT_32 | ConvertedType::UINT_64 => Logical::Int { signed: false },
            ConvertedType::DECIMAL => decimal(),
            ConvertedType::DATE => Logical::Date,
            ConvertedType::TIMESTAMP_MILLIS => Logical::Timestamp(Unit::Millis),
            ConvertedType::TIMESTAMP_MICROS => Logical::Timestamp(Unit::Micros),
            _ => Logical::Other,
        },
    }
}

/// What to write instead, where the refusal has an answer: epoch
/// numbers for a timestamp. Redshift's COPY of Parquet takes no TIMEFORMAT
/// (only the parameters listed in
/// https://docs.aws.amazon.com/redshift/latest/dg/copy-usage_notes-copy-from-columnar.html),
/// so it cannot read epoch milliseconds as a time; neither does dwh, so
/// that both targets load the same files.
fn hint(descriptor: &ColumnDescriptor, column: &Column) -> &'static str {
    let time = matches!(column.ty, SqlType::Timestamp | SqlType::TimestampTz);
    let integer = matches!(
        descriptor.physical_type(),
        Physical::INT32 | Physical::INT64
    );
    if time && integer && logical(descriptor) != Logical::Date {
        "; write it as a Parquet TIMESTAMP (Redshift's COPY of Parquet takes no TIMEFORMAT, \
         so epoch numbers cannot load as times there)"
    } else {
        ""
    }
}

/// How `descriptor`'s values load into `column`, if they can.
fn read_for(descriptor: &ColumnDescriptor, column: &Column) -> Option<Read> {
    let ty = column.ty;
    let integer = matches!(ty, SqlType::SmallInt | SqlType::Integer | SqlType::BigInt);
    let float = matches!(ty, SqlType::Real | SqlType::Double);
    let numeric = matches!(ty, SqlType::Numeric { .. });
    let time = matches!(ty, SqlType::Timestamp | SqlType::TimestampTz);
    let whole = (integer || float || numeric).then_some(numeric.then_some(0));
    match (descriptor.physical_type(), logical(descriptor)) {
        (Physical::BOOLEAN, Logical::None) => (ty == SqlType::Boolean).then_some(Read::Bool),
        (Physical::INT32, Logical::None | Logical::Int { .. }) => whole.map(|scale| Read::Int32 {
            unsigned: logical(descriptor) == Logical::Int { signed: false },
            scale,
        }),
        (Physical::INT64, Logical::None | Logical::Int { .. }) => whole.map(|scale| Read::Int64 {
            unsigned: logical(descriptor) == Logical::Int { signed: false },
            scale,
        }),
        (Physical::FLOAT | Physical::DOUBLE, Logical::None) => {
            (float || numeric).then_some(Read::Float { numeric })
        }
        (Physical::BYTE_ARRAY, Logical::Text) => ty.is_varchar().then_some(Read::Text),
        (Physical::INT32, Logical::Date) => (ty == SqlType::Date).then_some(Read::Date),
        (Physical::INT64, Logical::Timestamp(unit)) => time.then_some(Read::Timestamp(unit)),
        (Physical::INT96, Logical::None) => time.then_some(Read::Int96),
        (physical, Logical::Decimal { precision, scale }) => {
            decimal_read(physical, precision, scale, ty)
        }
        _ => None,
    }
}

/// A DECIMAL(`precision`, `scale`) loads into a NUMERIC that holds every
/// value it can hold: as many decimals or more, as many integer digits or
/// more (Redshift would otherwise round or refuse values).
fn decimal_read(physical: Physical, precision: i32, scale: i32, ty: SqlType) -> Option<Read> {
    let SqlType::Numeric {
        precision: to_precision,
        scale: to_scale,
    } = ty
    else {
        return None;
    };
    let fits = scale >= 0
        && scale <= i32::from(to_scale)
        && precision - scale <= i32::from(to_precision) - i32::from(to_scale);
    let scale = u8::try_from(scale).ok().filter(|_| fits)?;
    match physical {
        Physical::INT32 => Some(Read::Int32 {
            unsigned: false,
            scale: Some(scale),
        }),
        Physical::INT64 => Some(Read::Int64 {
            unsigned: false,
            scale: Some(scale),
        }),
        Physical::BYTE_ARRAY | Physical::FIXED_LEN_BYTE_ARRAY => Some(Read::DecimalBytes { scale }),
        _ => None,
    }
}

/// A column's Parquet type for messages: physical, and logical if any.
pub fn describe(descriptor: &ColumnDescriptor) -> String {
    let physical = descriptor.physical_type();
    let logical = match descriptor.logical_type_ref() {
        Some(LogicalType::Decimal(d)) => format!("DECIMAL({}, {})", d.precision, d.scale),
        Some(LogicalType::Timestamp(t)) => format!(
            "TIMESTAMP({:?}, {})",
            t.unit,
            if t.is_adjusted_to_u_t_c {
                "UTC"
            } else {
                "local"
            }
        ),
        Some(LogicalType::Integer(i)) => format!(
            "INT({}, {})",
            i.bit_width,
            if i.is_signed { "signed" } else { "unsigned" }
        ),
        Some(other) => format!("{other:?}").to_uppercase(),
        None if descriptor.converted_type() != ConvertedType::NONE => {
            descriptor.converted_type().to_string()
        }
        None => return physical.to_string(),
    };
    format!("{physical} {logical}")
}
