//! `dwh gen`: sample data from the project's generator, deterministically.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::bail;
use dwh_core::project::GenSummary;
use dwh_core::Project;

use crate::cli::GenArgs;
use crate::owned::{Claimed, OutputDir};
use crate::ui;

/// Marks a folder `dwh gen` wrote, with the files it wrote (see `owned`).
const MARKER: &str = ".dwh-gen";

pub async fn run(args: &GenArgs, project: &Project) -> anyhow::Result<ExitCode> {
    let Some(generator) = project.generator() else {
        bail!(
            "warehouse `{}` has no data generator; `gen` needs one (ProjectBuilder::generator)",
            project.name()
        );
    };
    let claimed = prepare(&args.out, args.force)?;
    let size = args.size.unwrap_or_else(|| generator.default_size());
    let started = Instant::now();
    let bar = ui::spinner(format!(
        "generating {} {} into {}",
        ui::thousands(size),
        generator.unit(),
        args.out.display()
    ));
    let summary = super::data::generate(project, &args.out, size, args.seed).await?;
    if let Some(claimed) = claimed {
        claimed.done()?;
    }
    bar.finish_and_clear();
    print_summary(&summary, started.elapsed());
    Ok(ExitCode::SUCCESS)
}

/// Makes `out` ready: a new, empty or `dwh gen` folder loses only the
/// files the last `dwh gen` wrote (so no stale file is mixed into the new
/// set, and no file of the user's is lost); any other is refused unless
/// `force`, and is then written into without being claimed.
fn prepare(out: &Path, force: bool) -> anyhow::Result<Option<Claimed>> {
    let output = OutputDir {
        dir: out,
        command: "`dwh gen`",
        marker: MARKER,
        otherwise: ", or pass --force to write into it (files with the names dwh gen writes \
                    are overwritten)",
    };
    match output.check() {
        Err(_) if force => Ok(None),
        Err(refused) => Err(refused),
        Ok(_) => output.claim().map(Some),
    }
}

pub fn print_summary(s: &GenSummary, elapsed: std::time::Duration) {
    eprintln!(
        "✔ generated {} files, {} in {}",
        ui::thousands(s.files),
        ui::bytes(s.bytes),
        ui::human_duration(elapsed)
    );
    for line in &s.lines {
        eprintln!("    {line}");
    }
}
