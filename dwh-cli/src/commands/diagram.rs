//! `dwh diagram`: the star schema as Mermaid, Graphviz DOT and SVG. All
//! three are drawn by dwh itself: no system tool is needed.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{bail, Context};
use dwh_core::diagram;

use dwh_core::Project;

use crate::cli::{DiagramArgs, DiagramFormat};
use crate::{out, paths};

const STEM: &str = "star-schema";

pub fn run(args: &DiagramArgs, project: &Project) -> anyhow::Result<ExitCode> {
    let schema = project.schema();
    let Some(dir) = &args.out else {
        let text = match args.format.unwrap_or(DiagramFormat::Mermaid) {
            DiagramFormat::Mermaid => diagram::mermaid(schema),
            DiagramFormat::Dot => diagram::dot(schema),
            DiagramFormat::Svg => diagram::svg(schema),
            DiagramFormat::All => bail!("--format all writes several files: give --out DIR"),
        };
        out::print(&text)?;
        return Ok(ExitCode::SUCCESS);
    };
    paths::create_dir(dir, "--out")?;
    let format = args.format.unwrap_or(DiagramFormat::All);
    let wants = |f: DiagramFormat| format == f || format == DiagramFormat::All;
    if wants(DiagramFormat::Mermaid) {
        write(dir, "mmd", &diagram::mermaid(schema))?;
    }
    if wants(DiagramFormat::Dot) {
        write(dir, "dot", &diagram::dot(schema))?;
    }
    if wants(DiagramFormat::Svg) {
        write(dir, "svg", &diagram::svg(schema))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn write(dir: &Path, ext: &str, text: &str) -> anyhow::Result<()> {
    let path = dir.join(format!("{STEM}.{ext}"));
    std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    eprintln!("✔ {}", path.display());
    Ok(())
}
