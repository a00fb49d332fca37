//! Where the data of a run comes from.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context};
use dwh_core::load::{LocalDir, Source};

use super::local::engine_dir;
use super::run::Run;
use crate::cli::DataArgs;
use crate::ui;

/// The data directory: `--data`, or a small generated data set (made once
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
    // Generated into a directory of this process, then renamed into place:
    // concurrent runs never write the same files, and a killed run leaves
    // no half-written data set behind under the final name.
    let tmp = base.join(format!(
        "dwh-data/.sparkify-{events}-{seed}.tmp-{}",
        std::process::id()
    ));
    let config = super::gen::config(events, songs, seed);
    let out = tmp.clone();
    run.step(
        &format!("generate {} events", ui::thousands(events)),
        |s: &dwh_core::gen::GenSummary| Some(s.events),
        async move {
            let _ = std::fs::remove_dir_all(&out);
            let target = out.clone();
            let summary =
                tokio::task::spawn_blocking(move || dwh_core::gen::generate(&config, &target))
                    .await?
                    .with_context(|| format!("generating data into {}", out.display()))?;
            std::fs::write(out.join(".complete"), b"")?;
            Ok(summary)
        },
    )
    .await?;
    publish(&tmp, &dir)?;
    Ok(dir)
}

/// Renames a generated data set into place; if another run got there
/// first, keeps theirs (generation is deterministic: the data is the same).
fn publish(tmp: &Path, dir: &Path) -> anyhow::Result<()> {
    if dir.exists() && !dir.join(".complete").exists() {
        // Left half-written by a dwh from before generation was atomic.
        std::fs::remove_dir_all(dir).with_context(|| format!("removing {}", dir.display()))?;
    }
    match std::fs::rename(tmp, dir) {
        Ok(()) => Ok(()),
        Err(_) if dir.join(".complete").exists() => {
            let _ = std::fs::remove_dir_all(tmp);
            Ok(())
        }
        Err(e) => Err(e).with_context(|| format!("moving {} to {}", tmp.display(), dir.display())),
    }
}

/// The staging tables with their sources below `dir`.
pub fn sources(
    dir: &Path,
) -> anyhow::Result<Vec<(&'static dwh_core::schema::Table, Arc<dyn Source>)>> {
    if let Some(uri) = dir.to_str().filter(|d| d.starts_with("s3://")) {
        return s3_sources(uri);
    }
    crate::paths::input_dir(dir, "--data")?;
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

/// `s3://bucket/prefix` with `log_data/` and `song_data/` below it (as
/// `dwh upload` writes them): the staging tables read straight from S3.
fn s3_sources(
    uri: &str,
) -> anyhow::Result<Vec<(&'static dwh_core::schema::Table, Arc<dyn Source>)>> {
    let (bucket, prefix) = crate::aws::s3::parse_uri(uri)?;
    let layout = crate::aws::layout::Layout::new(&bucket, &prefix);
    let handle = tokio::runtime::Handle::current();
    Ok(sparkify::staging_dirs()
        .into_iter()
        .map(|(table, sub)| {
            let source = crate::aws::source::S3Source::new(
                &bucket,
                &layout.data_prefix(sub),
                handle.clone(),
            );
            (table, Arc::new(source) as Arc<dyn Source>)
        })
        .collect())
}
