//! The load ledger, `dwh_loaded_files`: one row per source file dwh loaded
//! into a staging table, written in the run's transaction with the rows
//! the file brought, so ledger and tables always agree.
//!
//! A run loads only the files the ledger does not hold (see
//! [`crate::load::ledger`]), and staging holds the run's batch (empty when
//! no file is new). `transformed` marks the files whose rows the star schema has taken
//! in, so a keyless fact appends a batch once, and a `dwh load` that
//! follows another `dwh load` adds its files to the batch instead of
//! emptying it.
//!
//! Like the registry and the run log, the statements render the same for
//! both dialects but for literal escaping, and bind no parameters. No column
//! name is a Redshift reserved word
//! (<https://docs.aws.amazon.com/redshift/latest/dg/r_pg_keywords.html>).

use chrono::NaiveDateTime;

use super::dialect::Dialect;
use super::ident::{quote_ident, quote_literal};
use crate::schema::Table;

/// The ledger's table name.
pub const LEDGER: &str = "dwh_loaded_files";

/// Longest source file key kept, in bytes (a VARCHAR length counts bytes on
/// Redshift: <https://docs.aws.amazon.com/redshift/latest/dg/r_Character_types.html>).
pub const KEY_BYTES: usize = 1024;

/// Ledger rows per `INSERT`: a song catalogue is tens of thousands of files,
/// and one statement per thousand keeps each well below Redshift's 16 MB
/// statement limit (<https://docs.aws.amazon.com/redshift/latest/dg/c_redshift-sql.html>).
const ROWS_PER_INSERT: usize = 1000;

/// One source file as the ledger records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerFile {
    /// The file's path below its source's folder or prefix
    /// (`2018/11/2018-11-01-events.json`): the same file wherever the data
    /// directory is.
    pub key: String,
    /// Its size in bytes.
    pub size: u64,
    /// Its last modification time, when the source tells (with the size,
    /// the quick check that spares reading unchanged files).
    pub modified: Option<NaiveDateTime>,
    /// Its content checksum: `xxh3:` and 16 hex digits of the bytes read,
    /// or the S3 ETag.
    pub checksum: String,
    /// Rows it loaded into staging.
    pub rows: u64,
}

/// `CREATE TABLE IF NOT EXISTS dwh_loaded_files (...)`.
pub fn create_ledger() -> String {
    format!(
        "CREATE TABLE IF NOT EXISTS {} (\n    \
         staging_table VARCHAR(127) NOT NULL,\n    \
         source_file VARCHAR({KEY_BYTES}) NOT NULL,\n    \
         size_bytes BIGINT NOT NULL,\n    \
         modified_at TIMESTAMP,\n    \
         checksum VARCHAR(128) NOT NULL,\n    \
         row_count BIGINT NOT NULL,\n    \
         run_at TIMESTAMP NOT NULL,\n    \
         transformed BOOLEAN NOT NULL\n)",
        quote_ident(LEDGER)
    )
}

/// Every file in the ledger:
/// `staging_table, source_file, size_bytes, modified_at, checksum, row_count`.
pub fn loaded_files() -> String {
    format!(
        "SELECT staging_table, source_file, size_bytes, modified_at, checksum, row_count FROM {} \
         ORDER BY staging_table, source_file",
        quote_ident(LEDGER)
    )
}

/// The keys among `keys` that the ledger holds for `table` already: run
/// inside the transaction, after the lock, it finds files a concurrent run
/// loaded since this run chose its batch.
pub fn already_loaded(table: &Table, keys: &[&str], dialect: Dialect) -> String {
    let list: Vec<String> = keys.iter().map(|k| quote_literal(k, dialect)).collect();
    format!(
        "SELECT source_file FROM {} WHERE staging_table = {} AND source_file IN ({})",
        quote_ident(LEDGER),
        quote_literal(table.name, dialect),
        if list.is_empty() {
            "NULL".to_owned()
        } else {
            list.join(", ")
        }
    )
}

/// The `INSERT`s recording `files` as loaded into `table` by the run at
/// `run_at`, not yet transformed; none for no files.
pub fn record_files(
    table: &Table,
    files: &[LedgerFile],
    run_at: NaiveDateTime,
    dialect: Dialect,
) -> Vec<String> {
    let timestamp = |t: NaiveDateTime| {
        format!(
            "CAST({} AS TIMESTAMP)",
            quote_literal(&t.format("%Y-%m-%d %H:%M:%S%.6f").to_string(), dialect)
        )
    };
    let staging = quote_literal(table.name, dialect);
    let run_at = timestamp(run_at);
    files
        .chunks(ROWS_PER_INSERT)
        .map(|chunk| {
            let rows: Vec<String> = chunk
                .iter()
                .map(|f| {
                    format!(
                        "({staging}, {}, {}, {}, {}, {}, {run_at}, FALSE)",
                        quote_literal(&f.key, dialect),
                        f.size,
                        f.modified.map_or("NULL".to_owned(), timestamp),
                        quote_literal(&f.checksum, dialect),
                        f.rows,
                    )
                })
                .collect();
            format!(
                "INSERT INTO {} (staging_table, source_file, size_bytes, modified_at, checksum, \
                 row_count, run_at, transformed) VALUES\n{}",
                quote_ident(LEDGER),
                rows.join(",\n")
            )
        })
        .collect()
}

/// One row, one BIGINT: files of `table` loaded but not yet transformed.
/// Non-zero means staging holds a batch the star schema has not taken in.
pub fn untransformed_files(table: &Table, dialect: Dialect) -> String {
    format!(
        "SELECT COUNT(*) FROM {} WHERE staging_table = {} AND NOT transformed",
        quote_ident(LEDGER),
        quote_literal(table.name, dialect)
    )
}

/// One row, one BIGINT: files of any of `tables` loaded but not yet
/// transformed. Zero means a star-schema load reading only these tables
/// would take in what it took in before, and changes nothing.
pub fn pending_in(tables: &[&Table], dialect: Dialect) -> String {
    let names: Vec<String> = tables
        .iter()
        .map(|t| quote_literal(t.name, dialect))
        .collect();
    format!(
        "SELECT COUNT(*) FROM {} WHERE staging_table IN ({}) AND NOT transformed",
        quote_ident(LEDGER),
        names.join(", ")
    )
}

/// A condition true while `table`'s batch is not transformed: guards the
/// loads that must take a batch in once (a keyless fact's append).
pub fn batch_pending(table: &Table, dialect: Dialect) -> String {
    format!(
        "EXISTS (SELECT 1 FROM {} WHERE staging_table = {} AND NOT transformed)",
        quote_ident(LEDGER),
        quote_literal(table.name, dialect)
    )
}

/// Marks every loaded file transformed, at the end of the star-schema loads.
pub fn mark_transformed() -> String {
    format!(
        "UPDATE {} SET transformed = TRUE WHERE NOT transformed",
        quote_ident(LEDGER)
    )
}

/// Forgets every file (`--full-refresh`): `DELETE`, which stays inside the
/// transaction on Redshift, where `TRUNCATE` commits
/// (<https://docs.aws.amazon.com/redshift/latest/dg/r_TRUNCATE.html>).
pub fn forget_files() -> String {
    format!("DELETE FROM {}", quote_ident(LEDGER))
}

/// Drops the ledger with the tables it describes (`dwh drop-tables`): a
/// ledger that outlived them would have the next run skip every file as
/// loaded and build empty tables. The next run creates it again.
pub fn drop_ledger() -> String {
    format!("DROP TABLE IF EXISTS {}", quote_ident(LEDGER))
}

/// Forgets `table`'s files: a load that replaces staging with every file
/// records them anew.
pub fn forget_files_of(table: &Table, dialect: Dialect) -> String {
    format!(
        "DELETE FROM {} WHERE staging_table = {}",
        quote_ident(LEDGER),
        quote_literal(table.name, dialect)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::TableKind;

    const STAGING: Table = Table::new("staging_events", TableKind::Staging);

    fn file(i: usize) -> LedgerFile {
        LedgerFile {
            key: format!("day-{i}'s.json"),
            size: 10,
            modified: None,
            checksum: "xxh3:00ff".into(),
            rows: 3,
        }
    }

    #[test]
    fn inserts_escape_keys_and_split_into_chunks() {
        let run_at =
            NaiveDateTime::parse_from_str("2026-12-02 01:02:03", "%Y-%m-%d %H:%M:%S").unwrap();
        let files: Vec<LedgerFile> = (0..ROWS_PER_INSERT + 1).map(file).collect();
        let sql = record_files(&STAGING, &files, run_at, Dialect::Redshift);
        assert_eq!(sql.len(), 2);
        assert!(sql[1].contains(
            "('staging_events', 'day-1000''s.json', 10, NULL, 'xxh3:00ff', 3, \
             CAST('2026-12-02 01:02:03.000000' AS TIMESTAMP), FALSE)"
        ));
        assert!(record_files(&STAGING, &[], run_at, Dialect::Postgres).is_empty());
    }

    #[test]
    fn the_concurrency_check_matches_no_file_for_an_empty_batch() {
        assert!(already_loaded(&STAGING, &[], Dialect::Postgres).ends_with("IN (NULL)"));
        assert!(already_loaded(&STAGING, &["a'b"], Dialect::Postgres).ends_with("IN ('a''b')"));
    }
}
