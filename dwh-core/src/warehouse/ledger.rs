//! Reading the load ledger (see [`crate::sql::ledger`]), and what a run
//! refuses about the files it lists.

use std::collections::HashSet;

use super::error::WarehouseError;
use super::Warehouse;
use crate::catalog::Schema;
use crate::load::ledger::{Batch, GoneFile, KnownFile, Ledger};
use crate::sql::ledger::{self, LEDGER};
use crate::sql::registry::existing_relations;
use crate::sql::{history, unmatched};

impl Warehouse {
    /// The files the ledger holds; empty when there is no ledger yet.
    pub async fn ledger(&self) -> Result<Ledger, WarehouseError> {
        read_ledger(&self.client, self.dialect).await
    }

    /// The tables of `schema` that do not exist.
    pub async fn missing_tables(
        &self,
        schema: &Schema,
    ) -> Result<Vec<&'static str>, WarehouseError> {
        let names: Vec<&'static str> = schema.tables().iter().map(|t| t.name).collect();
        let existing: HashSet<String> = self
            .client
            .query(&existing_relations(&names, self.dialect), &[])
            .await
            .map_err(WarehouseError::sql("looking up which tables exist"))?
            .iter()
            .map(|row| row.get(0))
            .collect();
        Ok(names
            .into_iter()
            .filter(|name| !existing.contains(*name))
            .collect())
    }

    /// Why an incremental run must not go on, if a declared table is
    /// missing while the ledger lists files: dropped or renamed by hand, it
    /// would be created empty and take in only new files, while the ledger
    /// says the old ones are in. Call it under the run lock, before
    /// choosing files.
    pub async fn tables_gone(&self, schema: &Schema) -> Result<Option<TablesGone>, WarehouseError> {
        let missing = self.missing_tables(schema).await?;
        if missing.is_empty() {
            return Ok(None);
        }
        let ledger = self.ledger().await?;
        Ok((!ledger.is_empty()).then(|| TablesGone {
            tables: missing,
            files: ledger.len(),
        }))
    }
}

/// Fails with [`WarehouseError::ChangedFiles`] for the first batch with
/// changed files.
pub fn refuse_changed(batches: &[Batch]) -> Result<(), WarehouseError> {
    match batches.iter().find(|b| !b.changed.is_empty()) {
        Some(b) => Err(WarehouseError::ChangedFiles {
            table: b.table.name,
            files: b.changed.iter().map(|c| c.file.name.clone()).collect(),
        }),
        None => Ok(()),
    }
}

/// An incremental run refused: tables are missing that the ledger's
/// files were loaded into.
#[derive(Debug, thiserror::Error)]
#[error(
    "{} of the warehouse {} missing (dropped or renamed since dwh loaded them?), while the load \
     ledger lists {files} files loaded into the warehouse: this run would create {} empty and \
     take in only new files, so dwh changed nothing.\n  Rebuild every table from the data with \
     --full-refresh (or restore the table).",
    table_names(tables),
    if tables.len() == 1 { "is" } else { "are" },
    if tables.len() == 1 { "it" } else { "them" }
)]
pub struct TablesGone {
    /// The missing tables.
    pub tables: Vec<&'static str>,
    /// Files the ledger lists.
    pub files: usize,
}

/// "table `a`" or "tables `a`, `b`".
fn table_names(tables: &[&str]) -> String {
    let list: Vec<String> = tables.iter().map(|t| format!("`{t}`")).collect();
    let noun = if tables.len() == 1 { "table" } else { "tables" };
    format!("{noun} {}", list.join(", "))
}

/// A rebuild refused: it would drop the rows of files the ledger lists
/// and the source no longer holds.
#[derive(Debug, thiserror::Error)]
#[error(
    "{} dwh loaded into `{table}` {} gone from the data folder: {} ({} rows).\n  \
     A rebuild from the files present would drop their rows from the warehouse, so dwh \
     changed nothing. Restore them (or point --data at the folder that holds them), or pass \
     --allow-missing-files to rebuild without them.",
    count_files(files.len()), if files.len() == 1 { "is" } else { "are" },
    gone_list(files), rows(files)
)]
pub struct GoneFilesRefused {
    /// The staging table.
    pub table: &'static str,
    /// The files gone.
    pub files: Vec<GoneFile>,
}

/// What a run does about ledger files its sources no longer list (one
/// policy for both targets). A rebuild (`rebuild`) would drop their rows:
/// refused unless `allow` (`--allow-missing-files`). An incremental run
/// keeps their rows and says so; when a source holds none of the files
/// loaded from it, it may be the wrong folder. The lines to print.
pub fn gone_files(
    batches: &[Batch],
    rebuild: bool,
    allow: bool,
) -> Result<Vec<String>, GoneFilesRefused> {
    let mut lines = Vec::new();
    for b in batches.iter().filter(|b| !b.gone.is_empty()) {
        let (table, gone) = (b.table.name, &b.gone);
        let line = if rebuild && !allow {
            return Err(GoneFilesRefused {
                table,
                files: gone.clone(),
            });
        } else if rebuild {
            format!(
                "  {table}: --allow-missing-files: the rebuild leaves out {} loaded before and \
                 gone from the folder: {} ({} rows)",
                count_files(gone.len()),
                gone_list(gone),
                rows(gone)
            )
        } else if gone.len() == b.held {
            format!(
                "  {table}: none of the {} loaded before is in this folder ({}; their {} rows \
                 stay in the warehouse): is --data the wrong folder?",
                count_files(b.held),
                gone_list(gone),
                rows(gone)
            )
        } else {
            format!(
                "  {table}: {} loaded before {} gone from the folder: {} (their {} rows stay in \
                 the warehouse)",
                count_files(gone.len()),
                if gone.len() == 1 { "is" } else { "are" },
                gone_list(gone),
                rows(gone)
            )
        };
        lines.push(line);
    }
    Ok(lines)
}

/// `1 file`, `29 files`.
fn count_files(n: usize) -> String {
    format!("{n} file{}", if n == 1 { "" } else { "s" })
}

/// Up to five keys, and how many more.
fn gone_list(files: &[GoneFile]) -> String {
    let mut list: Vec<String> = files
        .iter()
        .take(5)
        .map(|f| format!("`{}`", f.key))
        .collect();
    if files.len() > 5 {
        list.push(format!("and {} more", files.len() - 5));
    }
    list.join(", ")
}

fn rows(files: &[GoneFile]) -> u64 {
    files.iter().map(|f| f.rows).sum()
}

/// Drops the ledger, each fact's late-arrival table (`dwh_unmatched_*`)
/// and each type-2 dimension's last-seen times (`dwh_last_seen_*`) with
/// dwh's tables: all describe rows of the tables dropped.
pub(crate) async fn forget_with_tables(
    client: &impl tokio_postgres::GenericClient,
    schema: &Schema,
) -> Result<(), WarehouseError> {
    let context = "dropping the load ledger, late arrivals and last-seen times with the tables";
    let unmatched = schema.tables().iter().filter_map(|t| unmatched::drop(t));
    let seen = schema.tables().iter().filter_map(|t| history::drop_seen(t));
    for sql in unmatched.chain(seen).chain([ledger::drop_ledger()]) {
        client
            .batch_execute(&sql)
            .await
            .map_err(WarehouseError::sql(context))?;
    }
    Ok(())
}

/// The files the ledger holds, read on `client` (a connection or the run's
/// transaction); empty when there is no ledger yet.
pub(crate) async fn read_ledger(
    client: &impl tokio_postgres::GenericClient,
    dialect: crate::sql::Dialect,
) -> Result<Ledger, WarehouseError> {
    let context = "reading the load ledger (dwh_loaded_files)";
    let exists = !client
        .query(&existing_relations(&[LEDGER], dialect), &[])
        .await
        .map_err(WarehouseError::sql(context))?
        .is_empty();
    if !exists {
        return Ok(Ledger::default());
    }
    let rows = client
        .query(&ledger::loaded_files(), &[])
        .await
        .map_err(WarehouseError::sql(context))?;
    Ok(Ledger::new(rows.iter().map(|row| {
        let file = KnownFile {
            size: row.get::<_, i64>(2).max(0) as u64,
            modified: row.get(3),
            checksum: row.get(4),
            rows: row.get::<_, i64>(5).max(0) as u64,
        };
        (row.get(0), row.get(1), file)
    })))
}
