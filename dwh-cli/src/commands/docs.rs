//! `dwh docs`: the warehouse as a static web site (see `dwh_core::docs`),
//! with the last run when a `--report` is given.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use dwh_core::Project;

use crate::cli::DocsArgs;
use crate::paths;

pub fn run(args: &DocsArgs, project: &Project) -> anyhow::Result<ExitCode> {
    let report = args.report.as_deref().map(read_report).transpose()?;
    paths::create_dir(&args.out, "--out")?;
    let index = dwh_core::docs::write(&args.out, project, report.as_ref())
        .with_context(|| format!("writing the site into {}", args.out.display()))?;
    eprintln!("✔ {}", index.display());
    if args.open {
        open(&index);
    }
    Ok(ExitCode::SUCCESS)
}

fn read_report(path: &Path) -> anyhow::Result<serde_json::Value> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the run report {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| {
        format!(
            "--report {} is not JSON; give the file `dwh all --report FILE` wrote",
            path.display()
        )
    })
}

/// Opens `index` with the desktop's opener; without one (a server, a
/// container), says where the site is instead of failing.
fn open(index: &Path) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    match std::process::Command::new(opener).arg(index).status() {
        Ok(status) if status.success() => {}
        _ => println!(
            "no browser opener ({opener}) here: open {} yourself",
            index.display()
        ),
    }
}
