//! `dwh docs` in a real browser: headless Chromium (the Debian package
//! `chromium`) loads the site from disk. It is installed when missing and the
//! tests run as root; elsewhere they print `skipped …` and pass, except under
//! `CI`, where a missing browser fails.
//!
//! Checked: the rendered DOM lists every table and column, the search box
//! finds a column from `?q=` (so the JavaScript ran), no request leaves the
//! page, and screenshots at laptop and phone widths are written under
//! `target/tmp/dwh-docs-screenshots/`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use dwh_core::Project;
use scraper::{Html, Selector};

const TMP: &str = env!("CARGO_TARGET_TMPDIR");

/// The browser, installed once per test binary when it can be.
fn chromium() -> Option<&'static Path> {
    static BROWSER: OnceLock<Option<PathBuf>> = OnceLock::new();
    BROWSER.get_or_init(find_or_install).as_deref()
}

fn find_or_install() -> Option<PathBuf> {
    if let Some(found) = find() {
        return Some(found);
    }
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0");
    if root {
        // Idempotent: apt-get installs nothing when the package is there.
        let _ = Command::new("sh")
            .args([
                "-c",
                "apt-get update -qq && apt-get install -y -qq chromium",
            ])
            .status();
    }
    let found = find();
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI: headless Chromium is needed: apt-get install -y chromium"
        );
        eprintln!("skipped: no chromium on PATH (apt-get install chromium as root)");
    }
    found
}

fn find() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| ["chromium", "chromium-browser"].map(|name| dir.join(name)))
        .find(|p| p.is_file())
}

/// Headless Chromium on `url` with `args`, networking cut off: every host
/// resolves to nothing and every request goes to a closed proxy port.
/// Returns stdout; the NetLog of the run is written to `net_log`.
fn browse(browser: &Path, url: &str, args: &[&str], net_log: &Path) -> String {
    let profile = tempdir("profile");
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--proxy-server=127.0.0.1:9",
            "--host-resolver-rules=MAP * ~NOTFOUND",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--log-net-log={}", net_log.display()))
        .args(args)
        .arg(url)
        .output()
        .expect("chromium runs");
    assert!(
        out.status.success(),
        "chromium {url}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = std::fs::remove_dir_all(profile);
    String::from_utf8(out.stdout).expect("UTF-8 DOM")
}

fn tempdir(what: &str) -> PathBuf {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = Path::new(TMP).join(format!("docs-browser-{what}-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes the site of `project` into a directory of its own under
/// target/tmp (tests run in parallel: a shared one would be rewritten
/// under a browser reading it) and returns it.
fn site(project: &Project) -> PathBuf {
    let dir = tempdir(project.name());
    dwh_core::docs::write(&dir, project, None).unwrap();
    dir
}

/// The site of `project` with a run page: its analyses run on the course
/// sample, as `dwh all --report` stores them.
async fn site_with_run(project: &Project) -> PathBuf {
    let warehouse = dwh_tests::sample_warehouse(&format!("docs_browser_{}", project.name())).await;
    let top = dwh_core::sql::Limit::new(5).unwrap();
    let results = dwh_core::pipeline::analyze(&warehouse, project, top, &mut ())
        .await
        .unwrap();
    let analysis: serde_json::Map<String, serde_json::Value> = results
        .iter()
        .map(|r| (r.key.to_owned(), r.json()))
        .collect();
    let report = serde_json::json!({"status": "ok", "analysis": analysis});
    let dir = Path::new(TMP).join(format!("dwh-docs-run-{}", project.name()));
    dwh_core::docs::write(&dir, project, Some(&report)).unwrap();
    dir
}

fn file_url(path: &Path) -> String {
    format!("file://{}", path.canonicalize().unwrap().display())
}

/// The http(s) URLs the page asked for, leaving out the browser's own
/// background calls to Google's update and account services.
fn page_requests(net_log: &Path) -> Vec<String> {
    let log = std::fs::read_to_string(net_log).expect("chromium wrote its NetLog");
    let browser_own = ["google.com/", "googleapis.com/", "gvt1.com/"];
    log.split("\"url\":\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|url| url.starts_with("http://") || url.starts_with("https://"))
        .filter(|url| !browser_own.iter().any(|own| url.contains(own)))
        .map(str::to_owned)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect()
}

fn texts(dom: &Html, css: &str) -> Vec<String> {
    dom.select(&Selector::parse(css).unwrap())
        .map(|e| e.text().collect())
        .collect()
}

#[test]
fn every_table_and_column_is_in_the_rendered_dom() {
    let Some(browser) = chromium() else { return };
    for project in [
        sparkify::project(),
        dwh_example_custom_dimension::project(),
        flights::project(),
    ] {
        let dir = site(&project);
        let log = dir.join("index.netlog.json");
        let dom = Html::parse_document(&browse(
            browser,
            &file_url(&dir.join("index.html")),
            &["--dump-dom"],
            &log,
        ));
        let listed = texts(&dom, "table.tables a");
        for table in project.schema().tables() {
            assert!(
                listed.iter().any(|t| t == table.name),
                "{}: {listed:?}",
                table.name
            );
            let page = dir.join(format!("tables/{}.html", table.name));
            let log = dir.join(format!("{}.netlog.json", table.name));
            let dom =
                Html::parse_document(&browse(browser, &file_url(&page), &["--dump-dom"], &log));
            let columns = texts(&dom, "table.columns tbody tr td:first-child");
            let names: Vec<&str> = table.columns.iter().map(|c| c.name).collect();
            assert_eq!(columns, names, "{}", table.name);
            assert_eq!(page_requests(&log), Vec::<String>::new(), "{}", table.name);
        }
        assert_eq!(
            page_requests(&log),
            Vec::<String>::new(),
            "{} index",
            project.name()
        );
    }
}

#[test]
fn search_from_the_query_string_finds_a_column() {
    let Some(browser) = chromium() else { return };
    let dir = site(&sparkify::project());
    let url = format!("{}?q=user_agent", file_url(&dir.join("index.html")));
    let log = dir.join("search.netlog.json");
    let dom = Html::parse_document(&browse(browser, &url, &["--dump-dom"], &log));
    let results = texts(&dom, "#results a");
    assert_eq!(
        results,
        ["staging_events.user_agent", "songplays.user_agent"],
        "the search script filled #results"
    );
}

/// The NetLog check can see a request: a page that does fetch one is caught.
#[test]
fn an_external_request_would_be_caught() {
    let Some(browser) = chromium() else { return };
    let dir = tempdir("control");
    let page = dir.join("control.html");
    std::fs::write(
        &page,
        "<!DOCTYPE html><img src=\"http://example.com/x.png\">",
    )
    .unwrap();
    let log = dir.join("control.netlog.json");
    browse(browser, &file_url(&page), &["--dump-dom"], &log);
    assert_eq!(page_requests(&log), ["http://example.com/x.png"]);
    let _ = std::fs::remove_dir_all(dir);
}

/// The run page shows every analysis with a chart: the project's own SVG
/// files when it draws them (each loaded from disk), else a bar chart.
#[tokio::test]
async fn the_run_page_shows_each_analysis_with_its_chart() {
    dwh_tests::require_sample!();
    let Some(browser) = chromium() else { return };
    let project = sparkify::project();
    let dir = site_with_run(&project).await;
    let log = dir.join("run.netlog.json");
    let url = file_url(&dir.join("run.html"));
    let dom = Html::parse_document(&browse(browser, &url, &["--dump-dom"], &log));
    let titles = texts(&dom, "section.analysis h3");
    let declared: Vec<&str> = project.analyses().iter().map(|a| a.title()).collect();
    assert_eq!(titles, declared);
    let images: Vec<String> = dom
        .select(&Selector::parse("figure.chart img").unwrap())
        .map(|img| img.attr("src").unwrap().to_owned())
        .collect();
    assert!(!images.is_empty());
    for src in &images {
        let svg = std::fs::read_to_string(dir.join(src)).unwrap();
        assert!(svg.contains("<svg"), "{src} is an SVG chart");
    }
    assert_eq!(page_requests(&log), Vec::<String>::new());
    screenshot(browser, &dir, "run.html", 1280, 1600);
}

#[test]
fn screenshots_at_laptop_and_phone_widths() {
    let Some(browser) = chromium() else { return };
    let dir = site(&sparkify::project());
    for (page, width, height) in [
        ("index.html", 1280, 1100),
        ("tables/songplays.html", 390, 1200),
    ] {
        screenshot(browser, &dir, page, width, height);
    }
}

/// A PNG of `page` at `width`, under target/tmp/dwh-docs-screenshots.
fn screenshot(browser: &Path, site: &Path, page: &str, width: u32, height: u32) {
    let shots = Path::new(TMP).join("dwh-docs-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let name = page.trim_end_matches(".html").replace('/', "-");
    let png = shots.join(format!("sparkify-{name}-{width}.png"));
    let log = shots.join(format!("{name}-{width}.netlog.json"));
    browse(
        browser,
        &file_url(&site.join(page)),
        &[
            &format!("--screenshot={}", png.display()),
            &format!("--window-size={width},{height}"),
        ],
        &log,
    );
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "{}", png.display());
    let png_width = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    assert_eq!(png_width, width, "{}", png.display());
    eprintln!("screenshot: {}", png.display());
}
