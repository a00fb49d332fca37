//! The local run's choice of files: each source listed once, sorted
//! against the warehouse's load ledger under the [`BatchPolicy`].

use std::sync::Arc;

use crate::catalog::Schema;
use crate::load::ledger::{all_new, sort_files, Batch, Ledger};
use crate::load::policy::{BatchPolicy, Choice};
use crate::load::{LoadError, Source, SourceFile};
use crate::pipeline::{self, Files};
use crate::schema::Table;
use crate::warehouse::{Warehouse, WarehouseError};

use super::error::RunError;

/// Fails when a table is gone that the ledger's files were loaded
/// into: an incremental run would create it empty. A rebuild
/// (`full_refresh`) fills it again.
pub async fn refuse_tables_gone(
    policy: BatchPolicy,
    warehouse: &Warehouse,
    schema: &Schema,
    full_refresh: bool,
) -> Result<(), RunError> {
    if full_refresh || policy.full_refresh {
        return Ok(());
    }
    match warehouse.tables_gone(schema).await? {
        Some(gone) => Err(gone.into()),
        None => Ok(()),
    }
}

/// One source's files, listed once for the choice.
struct Listed {
    table: &'static Table,
    source: Arc<dyn Source>,
    files: Vec<SourceFile>,
}

/// The local run's choice over `files` (`fresh`: `--fresh`, see
/// [`BatchPolicy::choose`]): each source listed once, sorted
/// against the warehouse's ledger off the async threads (checksums read
/// files), and `files.batches` set to the new files.
pub(super) async fn choose_local(
    policy: BatchPolicy,
    warehouse: &Warehouse,
    files: &mut Files,
    fresh: bool,
) -> Result<Choice, RunError> {
    let ledger = Arc::new(warehouse.ledger().await?);
    let mut listed = Vec::new();
    for (table, source) in &files.sources {
        let found = pipeline::list(table, source)
            .await
            .map_err(WarehouseError::load(table))?;
        let source = Arc::clone(source);
        listed.push(Listed {
            table,
            source,
            files: found,
        });
    }
    let choice = tokio::task::spawn_blocking(move || {
        policy.choose(fresh, |full| sort_listed(&listed, &ledger, full))
    })
    .await
    .map_err(|_| WarehouseError::Load(LoadError::Interrupted("the choice of files")))??;
    for b in &choice.batches {
        files.batches.insert(b.table.name, b.new.clone());
    }
    Ok(choice)
}

/// Each listed source's files against `ledger`: all new when `full`.
fn sort_listed(listed: &[Listed], ledger: &Ledger, full: bool) -> Result<Vec<Batch>, RunError> {
    let mut batches = Vec::with_capacity(listed.len());
    for l in listed {
        let files = l.files.clone();
        let batch = match full {
            true => all_new(l.table, files, ledger),
            false => sort_files(l.table, l.source.as_ref(), files, ledger)
                .map_err(|e| LoadError::List {
                    location: l.source.location(),
                    source: e,
                })
                .map_err(WarehouseError::load(l.table))?,
        };
        batches.push(batch);
    }
    Ok(batches)
}
