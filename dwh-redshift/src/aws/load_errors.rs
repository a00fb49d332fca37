//! A failed COPY, explained in the user's terms: each row of Redshift's
//! `STL_LOAD_ERRORS` for that COPY (read by
//! `dwh_core::sql::run::load_errors_query`) mapped back to the staging
//! table's column, the Rust struct field it was declared as, and the JSON
//! key it is read from, with what to change.

use std::fmt;

use dwh_core::schema::{Column, SqlType, Table};

/// Load errors shown at most.
pub const MAX_ROWS: usize = dwh_core::sql::run::MAX_LOAD_ERRORS as usize;

/// One row of `STL_LOAD_ERRORS`, under the names the lookup gives its columns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadErrorRow {
    pub file_name: String,
    pub line_number: i64,
    pub column_name: String,
    pub column_type: String,
    pub column_length: String,
    pub position: i32,
    pub error_code: i32,
    pub error_message: String,
}

/// A load error with the column it is about, when Redshift named one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappedError<'t> {
    pub table: &'t Table,
    pub column: Option<&'t Column>,
    pub row: LoadErrorRow,
}

/// Maps rows to the table's columns: Redshift reports column names folded
/// to lowercase and padded, so they are compared trimmed and case-blind.
pub fn map_errors(table: &Table, rows: Vec<LoadErrorRow>) -> Vec<MappedError<'_>> {
    rows.into_iter()
        .map(|row| {
            let name = row.column_name.trim();
            let column = table
                .columns
                .iter()
                .find(|c| !name.is_empty() && c.name.eq_ignore_ascii_case(name));
            MappedError { table, column, row }
        })
        .collect()
}

impl MappedError<'_> {
    /// `StagingEvent::user_id`, or the column name Redshift gave.
    pub fn field(&self) -> String {
        match self.column {
            Some(c) => format!("{}::{}", self.table.rust_name, c.field),
            None if self.row.column_name.trim().is_empty() => {
                format!("{} (no column)", self.table.rust_name)
            }
            None => format!(
                "{} column `{}`",
                self.table.rust_name,
                self.row.column_name.trim()
            ),
        }
    }

    /// What to change, from the error code and the column.
    pub fn hint(&self) -> Option<String> {
        let column = self.column;
        let key = column.map(|c| c.json.map(|j| j.key).unwrap_or(c.name));
        let field = self.field();
        match self.row.error_code {
            1204 => match column.map(|c| c.ty) {
                Some(SqlType::Varchar(len)) => Some(format!(
                    "the value is longer than {len} bytes: raise `#[dwh(varchar = N)]` on {field}"
                )),
                _ => Some(format!("the value does not fit the type of {field}")),
            },
            1205 | 1206 => Some(match column {
                Some(c) if c.json.is_some_and(|j| j.epoch_millis) => {
                    format!(
                        "{field} is read as epoch milliseconds; the JSON key `{}` must hold a \
                         number",
                        key.unwrap_or_default()
                    )
                }
                _ => format!(
                    "{field} holds a date or time in a format Redshift cannot read; mark it \
                     `#[dwh(epoch_millis)]` if it is epoch milliseconds"
                ),
            }),
            1207 | 1208 | 1209 | 1222 => Some(format!(
                "JSON key `{}` is not a number of the type of {field}; use a wider type or an Option",
                key.unwrap_or("?")
            )),
            1213 => Some(format!(
                "JSON key `{}` is missing or null, but {field} is not an Option",
                key.unwrap_or("?")
            )),
            1216 => Some("the input line is not a JSON object".into()),
            1220 => Some("the text is not valid UTF-8".into()),
            _ => None,
        }
    }
}

impl fmt::Display for MappedError<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let row = &self.row;
        write!(
            f,
            "{} line {}: {}",
            row.file_name.trim(),
            row.line_number,
            self.field()
        )?;
        if let Some(c) = self.column {
            write!(f, " (column `{}` {}", c.name, c.ty)?;
            if let Some(json) = c.json {
                write!(f, ", JSON key `{}`", json.key)?;
            }
            f.write_str(")")?;
        }
        write!(f, ": {} [{}]", row.error_message.trim(), row.error_code)?;
        if let Some(hint) = self.hint() {
            write!(f, "\n    hint: {hint}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use dwh_core::schema::{DistStyle, JsonField, TableKind};

    use super::*;

    const COLUMNS: &[Column] = &[
        Column {
            field: "user_id",
            json: Some(JsonField {
                key: "userId",
                epoch_millis: false,
            }),
            ..Column::new("user_id", SqlType::Varchar(16))
        },
        Column {
            json: Some(JsonField {
                key: "ts",
                epoch_millis: true,
            }),
            nullable: false,
            ..Column::new("ts", SqlType::Timestamp)
        },
        Column {
            field: "session_id",
            json: Some(JsonField {
                key: "sessionId",
                epoch_millis: false,
            }),
            nullable: false,
            ..Column::new("session_id", SqlType::Integer)
        },
    ];

    /// A staging table written by hand, shaped like Sparkify's events.
    const TABLE: Table = Table {
        name: "staging_events",
        rust_name: "StagingEvent",
        kind: TableKind::Staging,
        columns: COLUMNS,
        dist_style: DistStyle::Even,
        dist_key: None,
        sort_key: None,
        natural_key: &[],
        primary_key: &[],
        history: None,
        doc: "",
        load: None,
    };

    fn table() -> Table {
        TABLE
    }

    fn row(column: &str, code: i32, message: &str) -> LoadErrorRow {
        LoadErrorRow {
            file_name: "s3://b/shop/orders/part-00003.json.gz      ".into(),
            line_number: 42,
            column_name: format!("{column}{}", " ".repeat(20)),
            column_type: "varchar".into(),
            column_length: "16".into(),
            position: 0,
            error_code: code,
            error_message: format!("{message}   "),
        }
    }

    #[test]
    fn maps_columns_to_rust_fields_and_json_keys() {
        let table = table();
        let mapped = map_errors(
            &table,
            vec![
                row("USER_ID", 1204, "String length exceeds DDL length"),
                row(
                    "ts",
                    1206,
                    "Invalid timestamp format or value [epochmillisecs]",
                ),
                row("session_id", 1213, "Missing data for not-null field"),
                row("", 1216, "Invalid input line"),
                row("dropped_col", 1207, "Invalid digit"),
            ],
        );
        assert_eq!(mapped[0].column.map(|c| c.name), Some("user_id"));
        assert_eq!(mapped[0].field(), "StagingEvent::user_id");
        let text = mapped[0].to_string();
        assert_eq!(
            text,
            "s3://b/shop/orders/part-00003.json.gz line 42: StagingEvent::user_id \
             (column `user_id` VARCHAR(16), JSON key `userId`): String length exceeds DDL length [1204]\n    \
             hint: the value is longer than 16 bytes: raise `#[dwh(varchar = N)]` on StagingEvent::user_id"
        );
        assert!(
            mapped[1].hint().unwrap().contains("epoch milliseconds"),
            "{}",
            mapped[1]
        );
        assert!(mapped[2]
            .hint()
            .unwrap()
            .contains("JSON key `sessionId` is missing or null, but StagingEvent::session_id is not an Option"));
        assert_eq!(mapped[3].column, None);
        assert_eq!(mapped[3].field(), "StagingEvent (no column)");
        assert!(mapped[3].to_string().ends_with("not a JSON object"));
        assert_eq!(mapped[4].field(), "StagingEvent column `dropped_col`");
    }

    #[test]
    fn the_lookup_is_by_the_copys_query_id_and_names_every_field_read() {
        let sql = dwh_core::sql::run::load_errors_query();
        assert!(sql.contains("FROM stl_load_errors WHERE query = pg_last_copy_id()"));
        assert!(!sql.contains("session") && !sql.contains("GETDATE"));
        for field in [
            "file_name",
            "line_number",
            "column_name",
            "column_type",
            "column_length",
            "position",
            "error_code",
            "error_message",
        ] {
            assert!(sql.contains(field), "{field}");
        }
    }

    #[test]
    fn the_query_parses_as_redshift_sql() {
        let dialect = sqlparser::dialect::RedshiftSqlDialect {};
        let parsed = sqlparser::parser::Parser::parse_sql(
            &dialect,
            &dwh_core::sql::run::load_errors_query(),
        );
        assert_eq!(parsed.map(|s| s.len()).map_err(|e| e.to_string()), Ok(1));
    }
}
