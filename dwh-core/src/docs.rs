//! `dwh docs`: the warehouse as a static web site, rendered from the same
//! table descriptions as the SQL, so it cannot drift from what is deployed.
//!
//! Pure rendering: [`site`] returns every file's path and text, [`write`]
//! puts them in a directory. The site is self-contained (one stylesheet, inline
//! SVG and JavaScript, no external URL), so opening `index.html` from disk
//! works without a server or network.

mod html;
mod index;
mod lineage;
mod run;
mod table;

use std::io;
use std::path::{Path, PathBuf};

use crate::project::Project;
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

/// Every file of the site for `project`; `report` is a run report
/// (`dwh all --report FILE`) to render as the run page.
pub fn site(project: &Project, report: Option<&serde_json::Value>) -> Vec<Page> {
    let has_run = report.is_some();
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
    if let Some(report) = report {
        pages.push(Page {
            path: "run.html".to_owned(),
            text: run::page(report, &shell("Last run", "")),
        });
    }
    pages
}

/// Writes [`site`] into `dir` (created when missing) and returns the path
/// of its `index.html`.
pub fn write(
    dir: &Path,
    project: &Project,
    report: Option<&serde_json::Value>,
) -> io::Result<PathBuf> {
    for page in site(project, report) {
        let path = dir.join(&page.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, page.text)?;
    }
    Ok(dir.join("index.html"))
}
