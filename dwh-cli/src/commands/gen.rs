//! `dwh gen`: sample data from the project's generator, deterministically.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context};
use dwh_core::project::GenSummary;
use dwh_core::Project;

use crate::cli::GenArgs;
use crate::ui;

/// Marks a directory `dwh gen` created (or found empty): a later `dwh gen`
/// may replace what is in it; any other non-empty directory needs --force.
const MARKER: &str = ".dwh-gen";

pub async fn run(args: &GenArgs, project: &Project) -> anyhow::Result<ExitCode> {
    let Some(generator) = project.generator() else {
        bail!(
            "warehouse `{}` has no data generator; `gen` needs one (ProjectBuilder::generator)",
            project.name()
        );
    };
    prepare(&args.out, args.force, project)?;
    let size = args.size.unwrap_or_else(|| generator.default_size());
    let started = Instant::now();
    let bar = ui::spinner(format!(
        "generating {} {} into {}",
        ui::thousands(size),
        generator.unit(),
        args.out.display()
    ));
    let summary = super::data::generate(project, &args.out, size, args.seed).await?;
    bar.finish_and_clear();
    print_summary(&summary, started.elapsed());
    Ok(ExitCode::SUCCESS)
}

/// Makes `out` ready: a new or empty directory is marked as dwh's; one
/// marked by an earlier `dwh gen` loses that run's files (so no stale file
/// is mixed into the new set); any other is refused unless `force`, and
/// is then written into without being marked.
fn prepare(out: &Path, force: bool, project: &Project) -> anyhow::Result<()> {
    let entries = match std::fs::read_dir(out) {
        Ok(entries) => entries
            .map(|e| e.map(|e| e.file_name()))
            .collect::<Result<Vec<_>, _>>()
            .with_context(|| format!("listing --out {}", out.display()))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(e).with_context(|| format!("reading --out {}", out.display())),
    };
    let marker = out.join(MARKER);
    if marker.is_file() {
        for source in project.sources() {
            remove_dir(&out.join(&source.dir))?;
        }
        return Ok(());
    }
    if entries.is_empty() {
        std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
        let note = format!(
            "written by `dwh gen`; it may replace {}\n",
            super::data::expected_dirs(project)
        );
        return std::fs::write(&marker, note)
            .with_context(|| format!("writing {}", marker.display()));
    }
    if !force {
        let mut names: Vec<_> = entries.iter().map(|n| n.to_string_lossy()).collect();
        names.sort();
        bail!(
            "--out {} is not empty ({} entries: {}) and `dwh gen` did not write it; \
             choose a new or empty directory, or pass --force to write into it \
             (files with the names dwh gen writes are overwritten)",
            out.display(),
            names.len(),
            names.iter().take(3).cloned().collect::<Vec<_>>().join(", ")
        );
    }
    Ok(())
}

fn remove_dir(dir: &Path) -> anyhow::Result<()> {
    match std::fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(e).with_context(|| format!("removing the earlier {}", dir.display()))
        }
        _ => Ok(()),
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
