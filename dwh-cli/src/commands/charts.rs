//! `--charts DIR`: the built-in analyses drawn as SVG bar charts.

use std::path::{Path, PathBuf};

use anyhow::Context;
use sparkify::analysis::{charts, Analysis};

use super::run::Run;

/// Writes every chart of `analysis` into `dir`; the files written.
pub fn write(analysis: &Analysis, dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    charts::write(analysis, dir).with_context(|| format!("drawing charts into {}", dir.display()))
}

/// The `charts` step of `dwh all`, when `--charts DIR` is given.
pub async fn step(run: &mut Run, analysis: &Analysis, dir: Option<&Path>) -> anyhow::Result<()> {
    let Some(dir) = dir else {
        return Ok(());
    };
    let files = run
        .step("charts", |_| None, async { write(analysis, dir) })
        .await?;
    // Listed after the step's spinner has finished.
    list(&files);
    Ok(())
}

pub fn list(files: &[PathBuf]) {
    for file in files {
        eprintln!("  chart {}", file.display());
    }
}
