//! `--charts DIR`: the analyses drawn by the project's chart renderer.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context};
use dwh_core::project::AnalysisResult;
use dwh_core::Project;

use super::run::Run;

/// Writes every chart of `results` into `dir`; the files written.
pub fn write(
    project: &Project,
    results: &[AnalysisResult],
    dir: &Path,
) -> anyhow::Result<Vec<PathBuf>> {
    let Some(charts) = project.charts() else {
        bail!(
            "warehouse `{}` draws no charts (ProjectBuilder::charts); leave out --charts",
            project.name()
        );
    };
    charts(results, dir)
        .map_err(|e| anyhow!(e))
        .with_context(|| format!("drawing charts into {}", dir.display()))
}

/// The `charts` step of `dwh all`, when `--charts DIR` is given.
pub async fn step(
    run: &mut Run,
    project: &Project,
    results: &[AnalysisResult],
    dir: Option<&Path>,
) -> anyhow::Result<()> {
    let Some(dir) = dir else {
        return Ok(());
    };
    let files = run
        .step("charts", |_| None, async { write(project, results, dir) })
        .await
        .context("the warehouse was loaded and committed; only the charts could not be drawn")?;
    // Listed after the step's spinner has finished.
    list(&files);
    Ok(())
}

pub fn list(files: &[PathBuf]) {
    for file in files {
        eprintln!("  chart {}", file.display());
    }
}
