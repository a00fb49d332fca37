//! `--charts DIR`: the analyses drawn by the project's chart renderer.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context};
use dwh_core::project::AnalysisResult;
use dwh_core::Project;

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

pub fn list(files: &[PathBuf]) {
    for file in files {
        eprintln!("  chart {}", file.display());
    }
}
