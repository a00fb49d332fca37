//! Which files a run loads: the batch policy, one for local folders and
//! for uploads to S3. The load ledger sorts each source's files into new,
//! unchanged, changed and gone ([`Batch`]); the policy decides what the
//! run does about the last two.

use super::ledger::Batch;
use crate::warehouse::ledger::{gone_files, refuse_changed, GoneFilesRefused};
use crate::warehouse::WarehouseError;

/// What a run does about files the load ledger knows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BatchPolicy {
    /// Rebuild the star schema from every file (`--full-refresh`).
    pub full_refresh: bool,
    /// Rebuild from every file when one changed since it was loaded,
    /// instead of refusing the run (`--reload-changed`).
    pub reload_changed: bool,
    /// Let a rebuild leave out files gone from the source
    /// (`--allow-missing-files`).
    pub allow_missing_files: bool,
    /// The data is the project's generated demo data: when it differs
    /// from what the warehouse was loaded from, rebuild from it (nothing
    /// but dwh writes either).
    pub generated: bool,
}

/// The files a run loads, per staging table.
#[derive(Debug)]
pub struct Choice {
    /// Each source's files, sorted against the ledger.
    pub batches: Vec<Batch>,
    /// Whether the run rebuilds the star schema from every file.
    pub full_refresh: bool,
    /// What the choice found, to tell the user (the batches aside).
    pub notes: Vec<String>,
}

impl BatchPolicy {
    /// Chooses the batches: `sort(full)` sorts every source's files
    /// against the ledger (all new when `full`). A changed file is refused
    /// or, with `reload_changed`, rebuilds from every file; generated data
    /// that changed rebuilds; a rebuild that would leave out files gone
    /// from the source is refused unless `allow_missing_files`.
    /// `fresh`: the run drops and rebuilds every table (`--fresh`), which
    /// also allows gone files: the user asked for a rebuild from this data.
    pub fn choose<E>(
        &self,
        fresh: bool,
        mut sort: impl FnMut(bool) -> Result<Vec<Batch>, E>,
    ) -> Result<Choice, E>
    where
        E: From<WarehouseError> + From<GoneFilesRefused>,
    {
        let mut full = fresh || self.full_refresh;
        let mut batches = sort(full)?;
        let mut notes = Vec::new();
        let stale = |b: &Batch| !b.changed.is_empty() || (self.generated && !b.gone.is_empty());
        if batches.iter().any(stale) {
            notes.extend(self.rebuild_reason(&batches)?);
            full = true;
            batches = sort(true)?;
        }
        let allow = self.allow_missing_files || self.generated || fresh;
        notes.extend(gone_files(&batches, full, allow)?);
        Ok(Choice {
            batches,
            full_refresh: full,
            notes,
        })
    }

    /// Why the run rebuilds from every file; refuses changed files
    /// without `reload_changed`.
    fn rebuild_reason(&self, batches: &[Batch]) -> Result<Vec<String>, WarehouseError> {
        if self.generated {
            return Ok(vec![
                "the generated demo data differs from what the demo warehouse was loaded from \
                 (another --size?): rebuilding the demo warehouse from it"
                    .to_owned(),
            ]);
        }
        if !self.reload_changed {
            refuse_changed(batches)?;
        }
        let changed = batches.iter().flat_map(|b| &b.changed);
        let mut notes: Vec<String> = changed
            .map(|c| format!("  {} changed since it was loaded", c.file.name))
            .collect();
        notes.push("--reload-changed: rebuilding the warehouse from every file".to_owned());
        Ok(notes)
    }
}
