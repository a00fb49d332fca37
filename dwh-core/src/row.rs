//! Typed row readers: `#[derive(Row)]` implements [`FromRow`], which decodes
//! a `tokio_postgres::Row` by column name.

use tokio_postgres::types::FromSql;
use tokio_postgres::Row;

/// A value decoded from one result row, by column name.
///
/// Derive it with `#[derive(Row)]` and read rows with
/// [`Warehouse::query_as`](crate::Warehouse::query_as):
///
/// ```
/// use dwh_core::{FromRow, Row};
///
/// #[derive(Row)]
/// struct TopSong {
///     title: String,
///     #[dwh(column = "play_count")]
///     plays: i64,
///     year: Option<i16>,
/// }
///
/// assert_eq!(TopSong::COLUMNS, ["title", "play_count", "year"]);
/// ```
pub trait FromRow: Sized {
    /// The columns read, by name, in field order.
    const COLUMNS: &'static [&'static str];

    /// Decodes `row`, reading each field from the column of its name.
    fn from_row(row: &Row) -> Result<Self, RowError>;
}

/// A result column that does not fit the Rust field reading it.
#[derive(Debug, thiserror::Error)]
pub enum RowError {
    #[error("the query returned no column `{column}` for field of type `{rust_type}`; it returned: {available}")]
    /// The result has no column of the field's name.
    MissingColumn {
        /// The column looked for.
        column: String,
        /// The Rust type of the field.
        rust_type: &'static str,
        /// The columns the query did return.
        available: String,
    },
    #[error(
        "column `{column}` is SQL {sql_type}, which does not decode into Rust `{rust_type}`{hint}"
    )]
    /// The column's SQL type does not decode into the field's type.
    WrongType {
        /// The column.
        column: String,
        /// Its SQL type.
        sql_type: String,
        /// The Rust type of the field.
        rust_type: &'static str,
        /// A suggestion of the type to use, or empty.
        hint: &'static str,
    },
}

pub(crate) fn get_column<'a, T: FromSql<'a>>(row: &'a Row, name: &str) -> Result<T, RowError> {
    let rust_type = std::any::type_name::<T>();
    let Some(index) = row.columns().iter().position(|c| c.name() == name) else {
        let available = row
            .columns()
            .iter()
            .map(|c| format!("`{}`", c.name()))
            .collect::<Vec<_>>()
            .join(", ");
        return Err(RowError::MissingColumn {
            column: name.to_owned(),
            rust_type,
            available,
        });
    };
    row.try_get(index).map_err(|_| {
        let sql_type = row.columns()[index].type_().name().to_owned();
        let is_null = row
            .try_get::<_, Option<T>>(index)
            .map(|v| v.is_none())
            .unwrap_or(false);
        RowError::WrongType {
            column: name.to_owned(),
            sql_type,
            rust_type,
            hint: if is_null {
                " (the value is NULL: make the field an Option)"
            } else {
                ""
            },
        }
    })
}
