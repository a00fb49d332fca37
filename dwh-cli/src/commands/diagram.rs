//! `dwh diagram`: the star schema as Mermaid, Graphviz DOT and SVG.

use std::io::Write;
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};

use anyhow::{bail, Context};
use dwh_core::diagram;

use crate::cli::{DiagramArgs, DiagramFormat};

const STEM: &str = "star-schema";

pub fn run(args: &DiagramArgs) -> anyhow::Result<ExitCode> {
    let schema = sparkify::schema();
    let Some(dir) = &args.out else {
        match args.format.unwrap_or(DiagramFormat::Mermaid) {
            DiagramFormat::Mermaid => print!("{}", diagram::mermaid(&schema)),
            DiagramFormat::Dot => print!("{}", diagram::dot(&schema)),
            DiagramFormat::Svg => match svg(&diagram::dot(&schema))? {
                Some(svg) => print!("{svg}"),
                None => eprintln!("{NO_DOT}"),
            },
            DiagramFormat::All => bail!("--format all writes several files: give --out DIR"),
        }
        return Ok(ExitCode::SUCCESS);
    };
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let format = args.format.unwrap_or(DiagramFormat::All);
    let wants = |f: DiagramFormat| format == f || format == DiagramFormat::All;
    if wants(DiagramFormat::Mermaid) {
        write(dir, "mmd", &diagram::mermaid(&schema))?;
    }
    let dot = diagram::dot(&schema);
    if wants(DiagramFormat::Dot) {
        write(dir, "dot", &dot)?;
    }
    if wants(DiagramFormat::Svg) {
        match svg(&dot)? {
            Some(svg) => write(dir, "svg", &svg)?,
            None => eprintln!("{NO_DOT}"),
        }
    }
    Ok(ExitCode::SUCCESS)
}

const NO_DOT: &str =
    "· no SVG: Graphviz `dot` is not installed (e.g. `apt-get install graphviz`); \
                      the DOT and Mermaid diagrams can be rendered elsewhere";

fn write(dir: &Path, ext: &str, text: &str) -> anyhow::Result<()> {
    let path = dir.join(format!("{STEM}.{ext}"));
    std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    eprintln!("✔ {}", path.display());
    Ok(())
}

/// The DOT drawn by `dot -Tsvg`; `None` when Graphviz is not installed,
/// an error when it rejects the graph (a bug in the DOT renderer).
fn svg(dot: &str) -> anyhow::Result<Option<String>> {
    let child = Command::new("dot")
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).context("running Graphviz `dot`"),
    };
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(dot.as_bytes())
        .context("writing to Graphviz `dot`")?;
    let output = child
        .wait_with_output()
        .context("waiting for Graphviz `dot`")?;
    if !output.status.success() {
        bail!(
            "Graphviz `dot` rejected the diagram ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(Some(
        String::from_utf8(output.stdout).context("Graphviz `dot` wrote SVG that is not UTF-8")?,
    ))
}
