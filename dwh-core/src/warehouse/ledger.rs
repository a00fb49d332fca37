//! Reading the load ledger (see [`crate::sql::ledger`]) and choosing a
//! run's batch from it.

use std::sync::Arc;

use super::{Warehouse, WarehouseError};
use crate::load::ledger::{sort_files, Batch, KnownFile, Ledger};
use crate::pipeline::{self, Files};
use crate::sql::ledger::{self, LEDGER};
use crate::sql::registry::existing_relations;
use crate::sql::StagingFrom;

impl Warehouse {
    /// The files the ledger holds; empty when there is no ledger yet.
    pub async fn ledger(&self) -> Result<Ledger, WarehouseError> {
        read_ledger(&self.client, self.dialect).await
    }

    /// Sorts each source's files of `files` against the ledger (every file
    /// is new with `full_refresh`) and sets `files.batches` to the new
    /// ones. Changed files are reported in the batches, not refused: the
    /// caller refuses them ([`refuse_changed`]) or rebuilds from every
    /// file (`Parts::full_refresh`).
    pub async fn choose_batches(
        &self,
        files: &mut Files,
        full_refresh: bool,
    ) -> Result<Vec<Batch>, WarehouseError> {
        let ledger = if full_refresh {
            Default::default()
        } else {
            self.ledger().await?
        };
        let ledger = Arc::new(ledger);
        let mut batches = Vec::new();
        for (table, source) in &files.sources {
            let listed = pipeline::list(table, source)
                .await
                .map_err(WarehouseError::load(table))?;
            let (table, source, ledger) = (*table, Arc::clone(source), Arc::clone(&ledger));
            // Checksums read files: off the async threads.
            let sorted = tokio::task::spawn_blocking(move || {
                sort_files(table, source.as_ref(), listed, &ledger)
            })
            .await
            .map_err(|_| crate::load::LoadError::Interrupted(table.name))
            .map_err(WarehouseError::load(table))?;
            let batch = sorted
                .map_err(|e| crate::load::LoadError::List {
                    location: files
                        .sources
                        .iter()
                        .find(|(t, _)| t.name == table.name)
                        .map(|(_, s)| s.location())
                        .unwrap_or_default(),
                    source: e,
                })
                .map_err(WarehouseError::load(table))?;
            files.batches.insert(table.name, batch.new.clone());
            batches.push(batch);
        }
        Ok(batches)
    }
}

/// The run plan's staging input for `batches`.
pub fn staging_from(batches: &[Batch]) -> Vec<(&'static crate::schema::Table, StagingFrom)> {
    batches
        .iter()
        .map(|b| {
            let keys = b.new.iter().map(|f| f.key.clone()).collect();
            (b.table, StagingFrom::Files(keys))
        })
        .collect()
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
        };
        (row.get(0), row.get(1), file)
    })))
}
