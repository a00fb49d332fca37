//! The guide (`docs/`, an mdBook) and the README hold no untested code and
//! no broken link: every Rust block of the guide is an `{{#include}}` of a
//! region of a file the tests compile, each anchor exists, every chapter
//! is in SUMMARY.md, and every relative link (chapters, headings, images,
//! repository files from the README) resolves. `.ci/run` also builds the
//! book with `mdbook build docs`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use dwh_tests::workspace;
use regex::Regex;

static FENCE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?ms)^```([a-z,]*)\n(.*?)^```").unwrap());
static INCLUDE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\{\{#include ([^:}]+)(?::([A-Za-z0-9_]+))?\}\}").unwrap());
static LINK: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"\]\(([^)\s]+)\)|src="([^"]+)""#).unwrap());
static HEADING: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?m)^#{1,6} (.+)$").unwrap());

fn book_src() -> PathBuf {
    workspace().join("docs/src")
}

fn chapters() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(book_src())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    out.sort();
    out
}

/// The text with fenced code blocks blanked out: links and headings in
/// code are not links or headings.
fn prose(text: &str) -> String {
    FENCE.replace_all(text, "").into_owned()
}

/// mdBook's id of a heading: lower case, spaces to `-`, other punctuation
/// dropped (its `normalize_id`), after Markdown's inline marks.
fn heading_id(heading: &str) -> String {
    heading
        .chars()
        .filter_map(|c| match c {
            c if c.is_alphanumeric() || c == '_' || c == '-' => Some(c.to_ascii_lowercase()),
            c if c.is_whitespace() => Some('-'),
            _ => None,
        })
        .collect()
}

fn heading_ids(file: &Path) -> BTreeSet<String> {
    let text = prose(&std::fs::read_to_string(file).unwrap());
    let ids = HEADING.captures_iter(&text).map(|c| heading_id(&c[1]));
    ids.collect()
}

/// Each broken relative link of `file` (links resolved from `base`).
fn broken_links(file: &Path, base: &Path) -> Vec<String> {
    let text = prose(&std::fs::read_to_string(file).unwrap());
    let mut broken = Vec::new();
    for caps in LINK.captures_iter(&text) {
        let target = caps.get(1).or(caps.get(2)).unwrap().as_str();
        if target.contains("://") || target.starts_with("mailto:") {
            continue;
        }
        let (path, anchor) = target.split_once('#').unwrap_or((target, ""));
        let resolved = if path.is_empty() {
            file.to_owned()
        } else {
            base.join(path)
        };
        let found =
            resolved.exists() && (anchor.is_empty() || heading_ids(&resolved).contains(anchor));
        if !found {
            broken.push(format!("{}: {target}", file.display()));
        }
    }
    broken
}

#[test]
fn every_rust_block_of_the_guide_is_included_from_a_tested_file() {
    let mut problems = Vec::new();
    for chapter in chapters() {
        let text = std::fs::read_to_string(&chapter).unwrap();
        for block in FENCE
            .captures_iter(&text)
            .filter(|c| c[1].starts_with("rust"))
        {
            for line in block[2].lines().filter(|l| !l.trim().is_empty()) {
                match INCLUDE.captures(line) {
                    Some(include) => problems.extend(missing_anchor(&include)),
                    None => problems.push(format!("{}: not an include: {line}", chapter.display())),
                }
            }
        }
    }
    assert_eq!(problems, Vec::<String>::new());
}

/// What is wrong with one `{{#include path:anchor}}`, if anything.
fn missing_anchor(include: &regex::Captures) -> Option<String> {
    let path = book_src().join(&include[1]);
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Some(format!("no file {}", path.display()));
    };
    let anchor = include.get(2)?.as_str();
    let (start, end) = (
        format!("ANCHOR: {anchor}\n"),
        format!("ANCHOR_END: {anchor}\n"),
    );
    (!(text.contains(&start) && text.contains(&end)))
        .then(|| format!("{}: no anchor `{anchor}`", path.display()))
}

#[test]
fn every_chapter_is_in_the_summary_and_every_link_resolves() {
    let src = book_src();
    let summary = std::fs::read_to_string(src.join("SUMMARY.md")).unwrap();
    for chapter in chapters() {
        let name = chapter.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name == "SUMMARY.md" || summary.contains(&format!("]({name})")),
            "{name} is not in SUMMARY.md"
        );
    }
    let mut broken: Vec<String> = chapters()
        .iter()
        .flat_map(|c| broken_links(c, &src))
        .collect();
    // Whole files the chapters include (the benchmark README): their links
    // land in the book.
    for chapter in chapters() {
        let text = std::fs::read_to_string(&chapter).unwrap();
        for include in INCLUDE.captures_iter(&text).filter(|c| c.get(2).is_none()) {
            broken.extend(broken_links(&src.join(&include[1]), &src));
        }
    }
    assert_eq!(broken, Vec::<String>::new());
}

#[test]
fn the_readme_and_the_repository_guides_link_only_to_what_exists() {
    let root = workspace();
    let mut broken = Vec::new();
    for file in ["README.md", "CONTRIBUTING.md", "ARCHITECTURE.md"] {
        broken.extend(broken_links(&root.join(file), &root));
    }
    assert_eq!(broken, Vec::<String>::new());
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    assert!(readme.lines().count() < 250, "the README stays short");
}

/// The link checker itself: a broken chapter link, a missing heading and a
/// missing image are each caught.
#[test]
fn the_link_check_catches_a_broken_link() {
    let dir = dwh_tests::scratch("book_links");
    std::fs::write(dir.join("a.md"), "# Title `x`\n\n## Sub heading\n").unwrap();
    let page = dir.join("b.md");
    let links = "[ok](a.md#title-x) [ok](a.md#sub-heading) [no](c.md) [no](a.md#nope) \
                 ![no](img.png) [ok](https://example.com/x)\n```\n[in code](nowhere.md)\n```\n";
    std::fs::write(&page, links).unwrap();
    let broken: Vec<String> = broken_links(&page, &dir)
        .into_iter()
        .map(|b| b.rsplit(": ").next().unwrap().to_owned())
        .collect();
    assert_eq!(broken, ["c.md", "a.md#nope", "img.png"]);
}
