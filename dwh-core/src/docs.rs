//! `dwh docs`: the warehouse as a static web site, rendered from the same
//! table descriptions as the SQL, so it cannot drift from what is deployed.
//!
//! Pure rendering: [`site`] returns every file's path and text, [`write`]
//! puts them in a directory. The site is self-contained (one stylesheet, inline
//! SVG and JavaScript, no external URL), so opening `index.html` from disk
//! works without a server or network.

mod chart;
mod html;
mod index;
mod lineage;
mod run;
mod table;

use std::io;
use std::path::{Path, PathBuf};

use crate::project::{AnalysisResult, Project};
use crate::schema::Table;

pub use html::escape;

/// One file of the site: its path relative to the site root, and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// Relative path with `/` separators, e.g. `tables/users.html`.
    pub path: String,
    /// The file's contents.
    pub text: String,
}

/// Offending keys shown per check in the check SQL listed on table pages.
const CHECK_EXAMPLES: u32 = 5;

/// The page of `table`, relative to the site root.
pub fn table_href(table: &Table) -> String {
    format!("tables/{}.html", table.name)
}

/// The last run the site shows: a run report (`dwh all --report FILE`, or
/// one read back from the warehouse) and the chart files the project's
/// renderer drew from it, relative to the site root.
#[derive(Debug, Clone, Copy)]
pub struct LastRun<'a> {
    /// The report, as JSON.
    pub report: &'a serde_json::Value,
    /// Chart files (`charts/top_songs.svg`); empty when the project draws
    /// none, and the page draws a bar chart per analysis instead.
    pub charts: &'a [String],
}

/// Every file of the site for `project`; `run`, when given, becomes the
/// run page.
pub fn site(project: &Project, run: Option<LastRun>) -> Vec<Page> {
    let has_run = run.is_some();
    let shell = |title: &'static str, root: &'static str| html::Shell {
        project: project.name(),
        title,
        root,
        has_run,
    };
    let mut pages = vec![
        Page {
            path: "style.css".to_owned(),
            text: include_str!("docs/style.css").to_owned(),
        },
        Page {
            path: "index.html".to_owned(),
            text: index::page(project, &shell("Tables", "")),
        },
        Page {
            path: "lineage.html".to_owned(),
            text: lineage::page(project, &shell("Lineage", "")),
        },
    ];
    let checks = project.check_queries(CHECK_EXAMPLES);
    for t in project.schema().tables() {
        let shell = html::Shell {
            title: t.name,
            ..shell("", "../")
        };
        pages.push(Page {
            path: table_href(t),
            text: table::page(project, t, &checks, &shell),
        });
    }
    if let Some(run) = run {
        let page = run::RunPage {
            project,
            report: run.report,
            charts: run.charts,
        };
        pages.push(Page {
            path: "run.html".to_owned(),
            text: run::page(&page, &shell("Last run", "")),
        });
    }
    pages
}

/// Writes [`site`] into `dir` (created when missing) and returns the path
/// of its `index.html`. With a `report`, the project's chart renderer (if
/// it has one) draws the report's analyses into `dir/charts` first.
pub fn write(
    dir: &Path,
    project: &Project,
    report: Option<&serde_json::Value>,
) -> io::Result<PathBuf> {
    let results = report.map(|r| analysis_results(project, r));
    let charts = match (results, project.charts()) {
        // The renderer draws from every analysis; a report without all of
        // them (an older or hand-made one) gets the page's bar charts.
        (Some(results), Some(draw)) if results.len() == project.analyses().len() => {
            let files = draw(&results, &dir.join("charts")).map_err(io::Error::other)?;
            files
                .iter()
                .filter_map(|f| f.file_name())
                .map(|name| format!("charts/{}", name.to_string_lossy()))
                .collect()
        }
        _ => Vec::new(),
    };
    let run = report.map(|report| LastRun {
        report,
        charts: &charts,
    });
    for page in site(project, run) {
        let path = dir.join(&page.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, page.text)?;
    }
    Ok(dir.join("index.html"))
}

/// The report's results of the project's analyses, typed back.
fn analysis_results(project: &Project, report: &serde_json::Value) -> Vec<AnalysisResult> {
    let Some(stored) = report.get("analysis") else {
        return Vec::new();
    };
    project
        .analyses()
        .iter()
        .filter_map(|a| AnalysisResult::from_report(a, stored.get(a.key())?))
        .collect()
}
