//! Where the data of a run comes from.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context};
use dwh_core::load::{LocalDir, Source};

use super::local::engine_dir;
use super::run::Run;
use crate::cli::DataArgs;
use crate::ui;

/// and reused: generation is deterministic).
pub async fn data_dir(
    run: &mut Run,
    data: &DataArgs,
    events: u64,
    local: &crate::cli::LocalArgs,
) -> anyhow::Result<PathBuf> {
    if let Some(dir) = &data.data {
        return Ok(dir.clone());
    }
    let seed = 42;
    let songs = (events / 20).max(50);
    let base = engine_dir(local)
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let dir = base.join(format!("dwh-data/sparkify-{events}-{seed}"));
    if dir.join(".complete").exists() {
        return Ok(dir);
    }
    let config = super::gen::config(events, songs, seed);
    let out = dir.clone();
    run.step(
        &format!("generate {} events", ui::thousands(events)),
        |s: &dwh_core::gen::GenSummary| Some(s.events),
        async move {
            let summary =
                tokio::task::spawn_blocking(move || dwh_core::gen::generate(&config, &out))
                    .await?
                    .with_context(|| format!("generating data into {}", dir.display()))?;
            std::fs::write(dir.join(".complete"), b"")?;
            Ok(summary)
        },
    )
    .await?;
    Ok(base.join(format!("dwh-data/sparkify-{events}-{seed}")))
}

/// The staging tables with their sources below `dir`.
pub fn sources(
    dir: &Path,
) -> anyhow::Result<Vec<(&'static dwh_core::schema::Table, Arc<dyn Source>)>> {
    if !dir.is_dir() {
        bail!("data directory {} does not exist", dir.display());
    }
    sparkify::staging_dirs()
        .into_iter()
        .map(|(table, sub)| {
            let path = dir.join(sub);
            if !path.is_dir() {
                bail!(
                    "{} has no {sub}/ directory; a Sparkify data directory holds log_data/ and song_data/",
                    dir.display()
                );
            }
            Ok((table, Arc::new(LocalDir::new(path)) as Arc<dyn Source>))
        })
        .collect()
}
