//! Where the data of a run comes from, resolved once into a [`Location`].

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context};
use dwh_core::load::Source;
use dwh_core::schema::Table;
use dwh_core::Project;

pub use crate::location::Location;

use super::console::Console;
use super::local::engine_dir;
use crate::cli::DataArgs;
use crate::ui;

/// The seed of the data `dwh all` generates without `--data`.
const SEED: u64 = 42;

/// The data of a run: `--data`; else the project's generator, run once
/// per size and seed and reused (generation is deterministic); else the
/// project's own data folder.
pub async fn resolve(
    console: &mut Console,
    data: &DataArgs,
    size: Option<u64>,
    local: &crate::cli::LocalArgs,
    project: &Project,
) -> anyhow::Result<Location> {
    if let Some(given) = &data.data {
        return Ok(given.clone());
    }
    if project.generator().is_some() {
        return generated(console, size, local, project)
            .await
            .map(Location::Local);
    }
    match project.data_dir() {
        Some(dir) => Ok(Location::Local(dir.to_owned())),
        None => bail!(
            "warehouse `{}` has no data generator and no data folder of its own: pass --data DIR",
            project.name()
        ),
    }
}

async fn generated(
    console: &mut Console,
    size: Option<u64>,
    local: &crate::cli::LocalArgs,
    project: &Project,
) -> anyhow::Result<PathBuf> {
    let generator = project.generator().expect("checked by the caller");
    let size = size.unwrap_or_else(|| generator.default_size());
    let base = engine_dir(local)
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
        .join("dwh-data");
    let name = format!("{}-{size}-{SEED}-{}", project.name(), sources_key(project));
    let dir = base.join(&name);
    if dir.join(".complete").exists() {
        return Ok(dir);
    }
    // Generated into a directory of this process, then renamed into place:
    // concurrent runs never write the same files, and a killed run leaves
    // no half-written data set behind under the final name.
    let tmp = base.join(format!(".{name}.tmp-{}", std::process::id()));
    let out = tmp.clone();
    console
        .step(
            &format!("generate {} {}", ui::thousands(size), generator.unit()),
            |s: &dwh_core::project::GenSummary| Some(s.files),
            async {
                let _ = std::fs::remove_dir_all(&out);
                std::fs::create_dir_all(&out)
                    .with_context(|| format!("creating {}", out.display()))?;
                let summary = generate(project, &out, size, SEED).await?;
                std::fs::write(out.join(".complete"), b"")?;
                Ok(summary)
            },
        )
        .await?;
    publish(&tmp, &dir)?;
    Ok(dir)
}

/// A short key of the project's sources (folders, patterns, formats): a
/// data set generated for other sources (JSON where the sources now read
/// CSV, say) is generated again rather than refused file by file.
fn sources_key(project: &Project) -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for source in project.sources() {
        (
            &source.dir,
            source.pattern.as_str(),
            format!("{:?}", source.format),
        )
            .hash(&mut hasher);
    }
    format!("{:08x}", hasher.finish() as u32)
}

/// Runs the project's generator on a blocking thread.
pub async fn generate(
    project: &Project,
    out: &Path,
    size: u64,
    seed: u64,
) -> anyhow::Result<dwh_core::project::GenSummary> {
    let project = project.clone();
    let target = out.to_owned();
    tokio::task::spawn_blocking(move || {
        let generator = project.generator().expect("checked by the caller");
        generator
            .generate(&target, size, seed)
            .map_err(|e| anyhow::anyhow!(e))
    })
    .await?
    .with_context(|| format!("generating data into {}", out.display()))
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

/// The staging tables with their sources at `location`.
pub fn sources(
    location: &Location,
    project: &Project,
) -> anyhow::Result<Vec<(&'static Table, Arc<dyn Source>)>> {
    match location {
        Location::Local(dir) => local_sources(dir, project),
        #[cfg(feature = "redshift")]
        Location::S3 { bucket, prefix } => Ok(s3_sources(bucket, prefix, project)),
        #[cfg(not(feature = "redshift"))]
        Location::S3 { .. } => Err(super::redshift::not_built()),
    }
}

fn local_sources(
    dir: &Path,
    project: &Project,
) -> anyhow::Result<Vec<(&'static Table, Arc<dyn Source>)>> {
    crate::paths::input_dir(dir, "--data")?;
    project
        .sources()
        .iter()
        .map(|s| {
            let path = dir.join(&s.dir);
            if !path.is_dir() {
                bail!(
                    "{} has no {}/ directory; a data directory of warehouse `{}` holds {}",
                    dir.display(),
                    s.dir,
                    project.name(),
                    project.expected_dirs()
                );
            }
            let source = s.below(dir);
            Ok((s.table, Arc::new(source) as Arc<dyn Source>))
        })
        .collect()
}

/// Each source's folder below `s3://bucket/prefix` (as `dwh upload`
/// writes them): the staging tables read straight from S3.
#[cfg(feature = "redshift")]
fn s3_sources(
    bucket: &str,
    prefix: &str,
    project: &Project,
) -> Vec<(&'static Table, Arc<dyn Source>)> {
    let layout = crate::aws::layout::Layout::new(bucket, prefix);
    let handle = tokio::runtime::Handle::current();
    project
        .sources()
        .iter()
        .map(|s| {
            let source = crate::aws::source::S3Source::new(
                bucket,
                &layout.data_prefix(&s.dir),
                s.pattern.clone(),
                handle.clone(),
            )
            .format(s.format.clone());
            (s.table, Arc::new(source) as Arc<dyn Source>)
        })
        .collect()
}
