//! `dwh docs` pages parsed by an HTML5 parser (html5ever, through scraper):
//! well-formed, every table, column and check shown, every link resolving
//! to a file the site writes, and nothing fetched from outside.

use std::collections::BTreeMap;

use dwh_core::docs::{site, LastRun, Page};
use dwh_core::Project;
use scraper::{Html, Selector};
use serde_json::{json, Value};

fn projects() -> Vec<Project> {
    vec![
        sparkify::project(),
        dwh_example_custom_dimension::project(),
        flights::project(),
    ]
}

/// A run report shaped like the one `dwh all --report` writes.
fn report() -> Value {
    json!({
        "status": "failed",
        "steps": [{"step": "load staging", "status": "ok", "rows": 8056, "duration_ms": 812}],
        "staging": [{"table": "staging_events", "location": "data/log_data", "files": 30,
                     "rows": 8056, "bytes": 3_000_000, "rejected": 0}],
        "transform": [{"table": "users", "rows_before": 0, "rows_after": 96, "duration_ms": 12}],
        "checks": [{"table": "users", "check": "natural key (user_id) is unique",
                    "passed": false, "failures": 2, "examples": ["user_id=15 (2 rows)", "<b>x</b>"]}],
        "tables": {"users": 96, "songplays": 319},
        "analysis": {
            "top_songs": [{"title": "You're The One", "artist": "Dwight Yoakam", "plays": 37},
                          {"title": "Catch You Baby", "artist": "Lonnie Gordon", "plays": 9}],
            "plays_by_hour": [{"bucket": 0, "plays": 5}, {"bucket": 1, "plays": 0}],
            "retired_analysis": [{"n": 1}]
        }
    })
}

fn sel(css: &str) -> Selector {
    Selector::parse(css).unwrap()
}

fn parse(page: &Page) -> Html {
    let doc = Html::parse_document(&page.text);
    assert!(
        doc.errors.is_empty(),
        "{}: HTML5 parse errors {:?}",
        page.path,
        doc.errors
    );
    doc
}

fn pages_of(project: &Project) -> BTreeMap<String, Page> {
    let report = report();
    let run = LastRun {
        report: &report,
        charts: &[],
    };
    site(project, Some(run))
        .into_iter()
        .map(|p| (p.path.clone(), p))
        .collect()
}

#[test]
fn every_page_is_valid_html5_with_one_title_and_heading() {
    for project in projects() {
        for page in pages_of(&project).values() {
            if !page.path.ends_with(".html") {
                continue;
            }
            let doc = parse(page);
            assert_eq!(
                doc.select(&sel("html[lang] > head > title")).count(),
                1,
                "{}",
                page.path
            );
            assert_eq!(
                doc.select(&sel("meta[name=viewport]")).count(),
                1,
                "{}",
                page.path
            );
            assert_eq!(doc.select(&sel("main h1")).count(), 1, "{}", page.path);
        }
    }
}

#[test]
fn every_table_column_and_check_is_shown() {
    for project in projects() {
        let pages = pages_of(&project);
        let index = parse(&pages["index.html"]);
        let links: Vec<String> = index
            .select(&sel("a[href]"))
            .map(|a| a.value().attr("href").unwrap().to_owned())
            .collect();
        let checks = project.check_queries(5);
        for table in project.schema().tables() {
            let href = format!("tables/{}.html", table.name);
            // Linked from the list and from the diagram.
            assert!(
                links.iter().filter(|l| **l == href).count() >= 2,
                "{href} in {links:?}"
            );
            let page = parse(&pages[&href]);
            for column in table.columns {
                let row = page
                    .select(&sel(&format!("tr#col-{}", column.name)))
                    .next()
                    .unwrap_or_else(|| panic!("{href}: no row for {}", column.name));
                let text: String = row.text().collect();
                assert!(text.contains(&column.ty.to_string()), "{href}: {text}");
                assert!(text.contains(column.rust_type), "{href}: {text}");
            }
            let shown: Vec<String> = page
                .select(&sel(".check"))
                .map(|c| c.text().collect())
                .collect();
            for check in checks.iter().filter(|c| c.table.name == table.name) {
                assert!(
                    shown.contains(&check.check),
                    "{href}: {} in {shown:?}",
                    check.check
                );
            }
            let ddl: String = page
                .select(&sel("pre code"))
                .flat_map(|c| c.text())
                .collect();
            assert!(ddl.contains("DISTSTYLE"), "{href}: Redshift DDL");
            if !table.doc.is_empty() {
                let first = table.doc.split_whitespace().next().unwrap();
                assert!(
                    page.root_element().text().any(|t| t.contains(first)),
                    "{href}: doc"
                );
            }
        }
        let lineage: String = parse(&pages["lineage.html"])
            .root_element()
            .text()
            .collect();
        for source in project.sources() {
            assert!(lineage.contains(source.pattern.as_str()), "{lineage}");
        }
    }
}

#[test]
fn the_run_page_shows_checks_with_offending_keys_escaped() {
    let pages = pages_of(&sparkify::project());
    let run = &pages["run.html"];
    let doc = parse(run);
    let text: String = doc.root_element().text().collect();
    for expected in [
        "natural key (user_id) is unique",
        "user_id=15 (2 rows)",
        "<b>x</b>",
        "You're The One",
        "8056",
    ] {
        assert!(text.contains(expected), "{expected} in {text}");
    }
    assert!(
        run.text.contains("&lt;b&gt;x&lt;/b&gt;"),
        "report text is escaped"
    );
    assert_eq!(
        doc.select(&sel("h2")).count(),
        6,
        "one section per report key but status"
    );
}

fn texts(doc: &Html, css: &str) -> Vec<String> {
    doc.select(&sel(css))
        .map(|e| e.text().collect::<String>())
        .collect()
}

/// Each declared analysis: its columns in field order (a report's JSON
/// objects come back sorted), its rows, and a bar per row when the project
/// draws no charts of its own; a result no longer declared still shows.
#[test]
fn analyses_show_in_field_order_with_a_bar_chart_each() {
    let doc = parse(&pages_of(&sparkify::project())["run.html"]);
    assert_eq!(
        texts(&doc, "#analysis-top_songs th"),
        ["title", "artist", "plays"]
    );
    assert_eq!(texts(&doc, "#analysis-top_songs h3"), ["Top songs"]);
    assert_eq!(
        doc.select(&sel("#analysis-top_songs svg.chart rect.bar"))
            .count(),
        2
    );
    assert_eq!(
        doc.select(&sel("#analysis-plays_by_hour svg.chart rect.bar"))
            .count(),
        2
    );
    let labels = texts(&doc, "#analysis-top_songs svg.chart text.label");
    assert_eq!(
        labels,
        [
            "You're The One · Dwight Yoakam",
            "Catch You Baby · Lonnie Gordon"
        ]
    );
    assert!(texts(&doc, "h3").contains(&"retired_analysis".to_owned()));
    assert_eq!(doc.select(&sel("img")).count(), 0);
}

/// A project that draws its own charts gets those on the run page, in
/// place of the bar charts.
#[test]
fn the_projects_own_charts_replace_the_bar_charts() {
    let report = report();
    let charts = ["charts/top-songs.svg".to_owned()];
    let run = LastRun {
        report: &report,
        charts: &charts,
    };
    let page = site(&sparkify::project(), Some(run))
        .into_iter()
        .find(|p| p.path == "run.html")
        .unwrap();
    let doc = parse(&page);
    let images: Vec<_> = doc
        .select(&sel("figure.chart img"))
        .map(|img| (img.attr("src").unwrap(), img.attr("alt").unwrap()))
        .collect();
    assert_eq!(images, [("charts/top-songs.svg", "top songs")]);
    assert_eq!(doc.select(&sel("svg.chart")).count(), 0);
    assert_eq!(
        texts(&doc, "#analysis-top_songs th"),
        ["title", "artist", "plays"]
    );
}

#[test]
fn every_internal_link_resolves_and_nothing_is_external() {
    for project in projects() {
        let pages = pages_of(&project);
        for page in pages.values().filter(|p| p.path.ends_with(".html")) {
            let doc = parse(page);
            let dir = page.path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
            for el in doc.select(&sel("[href], [src]")) {
                let target = el.value().attr("href").or(el.value().attr("src")).unwrap();
                assert!(
                    !target.contains("//") && !target.starts_with("data:"),
                    "{}: external reference {target}",
                    page.path
                );
                let (file, fragment) = target.split_once('#').unwrap_or((target, ""));
                let path = if file.is_empty() {
                    page.path.clone()
                } else {
                    resolve(dir, file)
                };
                let to = pages
                    .get(&path)
                    .unwrap_or_else(|| panic!("{}: {target} → {path} is not written", page.path));
                if !fragment.is_empty() {
                    let id = format!("id=\"{fragment}\"");
                    assert!(
                        to.text.contains(&id),
                        "{}: {target}: no #{fragment}",
                        page.path
                    );
                }
            }
            // The diagram's arrow heads are `url(#endarrow)`: same document.
            assert!(
                page.text
                    .split("url(")
                    .skip(1)
                    .all(|rest| rest.starts_with('#')),
                "{}: CSS url() to another document",
                page.path
            );
        }
        assert!(
            !pages["style.css"].text.contains("url("),
            "style.css fetches nothing"
        );
    }
}

/// `file` relative to directory `dir`, both with `/` separators.
fn resolve(dir: &str, file: &str) -> String {
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in file.split('/') {
        match part {
            ".." => {
                parts.pop();
            }
            "." | "" => {}
            p => parts.push(p),
        }
    }
    parts.join("/")
}

#[test]
fn hostile_names_are_escaped() {
    let sparkify = sparkify::project();
    let users = sparkify.schema().table("users").unwrap();
    let project = Project::new("hostile", sparkify.schema().clone())
        .source::<sparkify::StagingEvent>("log_data", "*.json")
        .source::<sparkify::StagingSong>("song_data", "*.json")
        .check(
            users,
            "no <img src=x onerror=alert(1)>",
            "SELECT 1 WHERE FALSE",
        )
        .build()
        .unwrap();
    for page in site(&project, None) {
        assert!(!page.text.contains("<img"), "{}", page.path);
    }
}
