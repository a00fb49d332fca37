//! The Sparkify star-schema diagrams: every table and every reference is
//! drawn, Graphviz accepts the DOT (a missing Graphviz fails the test
//! unless DWH_TEST_NO_GRAPHVIZ=1), and dwh's own SVG is well-formed.

use std::io::Write;
use std::process::{Command, Stdio};

use dwh_core::diagram;
use dwh_core::schema::Table;

/// (fact, column, dimension) for every reference, read from the schema.
fn references(tables: &[&'static Table]) -> Vec<(&'static str, &'static str, &'static Table)> {
    tables
        .iter()
        .flat_map(|t| {
            t.columns
                .iter()
                .filter_map(move |c| c.references.map(|d| (t.name, c.name, d)))
        })
        .collect()
}

#[test]
fn sparkify_references_are_the_four_dimensions() {
    let schema = sparkify::schema();
    let mut targets: Vec<&str> = references(schema.tables())
        .iter()
        .map(|r| r.2.name)
        .collect();
    targets.sort();
    assert_eq!(targets, ["artists", "songs", "time", "users"]);
}

#[test]
fn mermaid_draws_every_table_and_reference() {
    let schema = sparkify::schema();
    let text = diagram::mermaid(&schema);
    for table in schema.tables() {
        assert_eq!(
            text.matches(&format!("\n    \"{}\"[\"{} (", table.name, table.name))
                .count(),
            1,
            "entity `{}` once:\n{text}",
            table.name
        );
        for column in table.columns {
            assert!(
                text.contains(&format!(" {}", column.name)),
                "{}.{}",
                table.name,
                column.name
            );
        }
    }
    for (fact, column, dim) in references(schema.tables()) {
        let edge = format!("\"{}\" ||--o{{ \"{fact}\" : \"{column}\"", dim.name);
        let nullable = format!("\"{}\" |o--o{{ \"{fact}\" : \"{column}\"", dim.name);
        assert!(
            text.contains(&edge) || text.contains(&nullable),
            "{fact}.{column} → {}:\n{text}",
            dim.name
        );
    }
    for table in schema.transform_order() {
        let source = table.load.expect("dimensions and facts load").source;
        assert!(text.contains(&format!(
            "\"{}\" }}|..o| \"{}\" : \"loaded from\"",
            source.name, table.name
        )));
    }
    // The fact's physical design is on the diagram.
    assert!(text.contains("DISTSTYLE KEY (start_time), COMPOUND SORTKEY (start_time)"));
    assert!(text.contains("BIGINT songplay_id PK \"IDENTITY\""));
}

#[test]
fn dot_draws_every_table_and_reference_and_graphviz_accepts_it() {
    let schema = sparkify::schema();
    let text = diagram::dot(&schema);
    for table in schema.tables() {
        assert!(text.contains(&format!("\n    \"{}\" [label=<", table.name)));
    }
    let references = references(schema.tables());
    for (fact, column, dim) in &references {
        let key = dim.primary_key[0];
        assert!(
            text.contains(&format!(
                "\"{fact}\":\"{column}.out\":e -> \"{}\":\"{key}\":w",
                dim.name
            )),
            "{fact}.{column} → {}",
            dim.name
        );
    }
    let loads = schema.transform_order().count();
    let lookups: usize = schema
        .transform_order()
        .map(|t| {
            t.load.map_or(0, |l| {
                l.lookups.iter().map(|l| 1 + l.joins.len()).sum::<usize>()
            })
        })
        .sum();

    let Some(svg) = graphviz_svg(&text) else {
        // Opted out explicitly (see `graphviz_svg`): said, not silent.
        eprintln!("note: {NO_GRAPHVIZ}=1: not checking that Graphviz accepts the DOT");
        return;
    };
    // Graphviz starts its SVG with the SVG 1.1 DOCTYPE.
    let options = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    let doc = roxmltree::Document::parse_with_options(&svg, options)
        .expect("Graphviz writes well-formed SVG");
    let class = |name: &str| {
        doc.descendants()
            .filter(|n| n.has_tag_name("g") && n.attribute("class") == Some(name))
            .collect::<Vec<_>>()
    };
    let title = |n: &roxmltree::Node| {
        n.children()
            .find(|c| c.has_tag_name("title"))
            .and_then(|t| t.text())
            .unwrap_or_default()
            .to_owned()
    };
    let mut nodes: Vec<String> = class("node").iter().map(title).collect();
    nodes.sort();
    let mut tables: Vec<&str> = schema.tables().iter().map(|t| t.name).collect();
    tables.sort();
    assert_eq!(nodes, tables);
    let edges: Vec<String> = class("edge").iter().map(title).collect();
    assert_eq!(edges.len(), references.len() + loads + lookups, "{edges:?}");
    // Graphviz titles an edge `tail:compass->head:compass`.
    for (fact, _, dim) in &references {
        let edge = format!("{fact}:e->{}:w", dim.name);
        assert!(edges.contains(&edge), "{edge} in {edges:?}");
    }
}

/// Set to 1 to run these tests on a machine without Graphviz; otherwise a
/// missing `dot` fails the test (`.ci/run` installs it).
const NO_GRAPHVIZ: &str = "DWH_TEST_NO_GRAPHVIZ";

/// `dot -Tsvg` of `text`; `None` only when Graphviz is missing and
/// [`NO_GRAPHVIZ`] says that is expected.
fn graphviz_svg(text: &str) -> Option<String> {
    let mut child = match Command::new("dot")
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if std::env::var(NO_GRAPHVIZ).as_deref() == Ok("1") {
                return None;
            }
            panic!(
                "Graphviz `dot` is not installed, so nothing checks that it accepts the DOT dwh \
                 writes: install it (`apt-get install graphviz`), or set {NO_GRAPHVIZ}=1 to skip \
                 this check knowingly"
            )
        }
        Err(e) => panic!("running dot: {e}"),
    };
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "dot rejected the diagram: {}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8(out.stdout).unwrap())
}

/// The SVG dwh draws itself (no Graphviz): well-formed, every table with
/// every column, one line per edge.
#[test]
fn svg_draws_every_table_and_edge() {
    let schema = sparkify::schema();
    let svg = diagram::svg(&schema);
    let doc = roxmltree::Document::parse(&svg).expect("well-formed SVG");
    let texts: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("tspan"))
        .filter_map(|n| n.text())
        .collect();
    for table in schema.tables() {
        let title = format!("{} ({})", table.name, diagram::kind_name(table.kind));
        assert_eq!(texts.iter().filter(|t| **t == title).count(), 1, "{title}");
        for column in table.columns {
            let row = format!("{} {}", column.name, column.ty);
            assert!(
                texts.iter().any(|t| t.starts_with(&row)),
                "{}.{} in {texts:?}",
                table.name,
                column.name
            );
        }
    }
    let paths = doc.descendants().filter(|n| n.has_tag_name("path")).count();
    assert_eq!(paths, diagram::edges(&schema).len());
}
