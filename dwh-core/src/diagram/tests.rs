//! Diagram tests on hand-written table descriptions: no macro involved.

use super::*;
use crate::catalog::Schema;
use crate::schema::*;

const STAGING: Table = Table {
    name: "staging_plays",
    rust_name: "StagingPlay",
    kind: TableKind::Staging,
    columns: &[
        Column::new("user_id", SqlType::Varchar(16)),
        Column::new("ts", SqlType::Timestamp),
        Column::new(
            "price",
            SqlType::Numeric {
                precision: 10,
                scale: 2,
            },
        ),
        Column::new("score", SqlType::Double),
    ],
    dist_style: DistStyle::Even,
    dist_key: None,
    sort_key: None,
    natural_key: &[],
    primary_key: &[],
    history: None,
    doc: "",
    load: None,
};

const PLAYERS: Table = Table {
    name: "players",
    rust_name: "Player",
    kind: TableKind::Dimension,
    columns: &[
        Column {
            nullable: false,
            encode: Some(Encode::Raw),
            fill: Fill::Expr("CAST(src.user_id AS INTEGER)"),
            ..Column::new("player_id", SqlType::Integer)
        },
        Column {
            fill: Fill::Column("user_id"),
            ..Column::new("label", SqlType::Varchar(16))
        },
    ],
    dist_style: DistStyle::All,
    dist_key: None,
    sort_key: Some(SortKey {
        style: SortStyle::Compound,
        columns: &["player_id"],
    }),
    natural_key: &["player_id"],
    primary_key: &["player_id"],
    history: None,
    doc: "",
    load: Some(Load {
        source: &STAGING,
        filter: Some("src.user_id <> ''"),
        latest_by: Some("src.ts"),
        tie_break: None,
        lookups: &[],
    }),
};

const PLAYS: Table = Table {
    name: "plays",
    rust_name: "Play",
    kind: TableKind::Fact,
    columns: &[
        Column {
            nullable: false,
            identity: true,
            encode: Some(Encode::Az64),
            ..Column::new("play_id", SqlType::BigInt)
        },
        Column {
            nullable: false,
            fill: Fill::Column("ts"),
            ..Column::new("played_at", SqlType::Timestamp)
        },
        Column {
            fill: Fill::Column("p.player_id"),
            references: Some(&PLAYERS),
            ..Column::new("player_id", SqlType::Integer)
        },
    ],
    dist_style: DistStyle::Key,
    dist_key: Some("played_at"),
    sort_key: Some(SortKey {
        style: SortStyle::Interleaved,
        columns: &["played_at", "player_id"],
    }),
    natural_key: &["played_at", "player_id"],
    primary_key: &["play_id"],
    history: None,
    doc: "",
    load: Some(Load {
        source: &STAGING,
        filter: None,
        latest_by: None,
        tie_break: None,
        lookups: &[Lookup {
            table: &PLAYERS,
            alias: "p",
            on: &[("label", "src.user_id")],
            joins: &[],
        }],
    }),
};

fn schema() -> Schema {
    Schema::new([&PLAYS, &PLAYERS, &STAGING]).unwrap()
}

/// The lines of `text` that contain every one of `parts`.
fn lines_with<'a>(text: &'a str, parts: &[&str]) -> Vec<&'a str> {
    text.lines()
        .filter(|l| parts.iter().all(|p| l.contains(p)))
        .collect()
}

#[test]
fn edges_cover_loads_lookups_and_references() {
    let edges = edges(&schema());
    let names: Vec<(&str, &str, String)> = edges
        .iter()
        .map(|e| {
            let kind = match e.kind {
                EdgeKind::Reference { column } => format!("ref {}", column.name),
                EdgeKind::LoadedFrom => "loaded from".to_owned(),
                EdgeKind::Lookup { alias } => format!("lookup {alias}"),
            };
            (e.from.name, e.to.name, kind)
        })
        .collect();
    assert_eq!(
        names,
        vec![
            ("staging_plays", "players", "loaded from".to_owned()),
            ("staging_plays", "plays", "loaded from".to_owned()),
            ("players", "plays", "lookup p".to_owned()),
            ("plays", "players", "ref player_id".to_owned()),
        ]
    );
}

#[test]
fn roles_and_physical_design() {
    let roles = |t: &Table, c: &str| ColumnRoles::of(t, t.column(c).unwrap()).notes();
    assert_eq!(roles(&PLAYS, "play_id"), vec!["IDENTITY"]);
    assert_eq!(
        roles(&PLAYS, "played_at"),
        vec!["natural key", "DISTKEY", "SORTKEY 1"]
    );
    assert_eq!(roles(&PLAYS, "player_id"), vec!["natural key", "SORTKEY 2"]);
    assert_eq!(
        physical_design(&PLAYS),
        vec![
            "DISTSTYLE KEY (played_at)",
            "INTERLEAVED SORTKEY (played_at, player_id)"
        ]
    );
    assert_eq!(physical_design(&STAGING), vec!["DISTSTYLE EVEN"]);
}

#[test]
fn mermaid_entities_keys_and_edges() {
    let text = mermaid(&schema());
    assert!(text.starts_with("erDiagram\n"));
    // Entities in load order, titled with kind and physical design.
    let titles = lines_with(&text, &["[\"", "{"]);
    assert_eq!(
        titles,
        vec![
            "    \"staging_plays\"[\"staging_plays (staging, DISTSTYLE EVEN)\"] {",
            "    \"players\"[\"players (dimension, DISTSTYLE ALL, COMPOUND SORTKEY (player_id))\"] {",
            "    \"plays\"[\"plays (fact, DISTSTYLE KEY (played_at), INTERLEAVED SORTKEY (played_at, player_id))\"] {",
        ]
    );
    // Types are Mermaid words; a lossy one keeps the exact type as comment.
    assert!(text.contains("        DOUBLE_PRECISION score\n"), "{text}");
    assert!(
        text.contains("        NUMERIC(10_2) price \"NUMERIC(10,2)\"\n"),
        "{text}"
    );
    assert!(text.contains("        BIGINT play_id PK \"IDENTITY\"\n"));
    assert!(text.contains("        TIMESTAMP played_at UK \"natural key, DISTKEY, SORTKEY 1\"\n"));
    assert!(text.contains(
        "        INTEGER player_id FK, UK \"natural key, SORTKEY 2, references players\"\n"
    ));
    assert!(text.contains("        INTEGER player_id PK \"natural key, SORTKEY 1\"\n"));
    // A nullable reference: the fact row has zero or one dimension row.
    assert!(text.contains("    \"players\" |o--o{ \"plays\" : \"player_id\"\n"));
    assert!(text.contains("    \"staging_plays\" }|..o| \"players\" : \"loaded from\"\n"));
    assert!(text.contains("    \"staging_plays\" }|..o| \"plays\" : \"loaded from\"\n"));
    assert!(text.contains("    \"players\" |o..o{ \"plays\" : \"lookup p\"\n"));
    // Braces balance: every entity block is closed.
    assert_eq!(text.matches('{').count() - text.matches("o{").count(), 3);
    assert_eq!(text.matches("\n    }\n").count(), 3);
}

#[test]
fn dot_nodes_ports_and_edges() {
    let text = dot(&schema());
    assert!(text.starts_with("digraph star_schema {\n") && text.ends_with("}\n"));
    for table in [&STAGING, &PLAYERS, &PLAYS] {
        assert_eq!(
            lines_with(&text, &[&format!("\"{}\" [label=<", table.name)]).len(),
            1
        );
        for column in table.columns {
            assert!(text.contains(&format!("<TD PORT=\"{}\"", column.name)));
        }
    }
    assert!(text
        .contains("<TD ALIGN=\"LEFT\">BIGINT NOT NULL</TD><TD ALIGN=\"LEFT\">PK, IDENTITY</TD>"));
    assert!(text.contains("FK → players, natural key, SORTKEY 2"));
    // Staging rows have no keys nor encodings: name and type only.
    assert!(text.contains(
        "<TR><TD PORT=\"ts\" ALIGN=\"LEFT\">ts</TD><TD PORT=\"ts.out\" ALIGN=\"LEFT\">TIMESTAMP</TD></TR>"
    ));
    assert_eq!(lines_with(&text, &["COLSPAN=\"2\""]).len(), 2);
    assert!(text.contains("<FONT COLOR=\"gray40\">ENCODE AZ64</FONT>"));
    // Graphviz refuses empty elements such as <FONT></FONT>.
    assert!(!text.contains("\"></FONT>"), "{text}");
    assert!(text.contains(
        "DISTSTYLE KEY (played_at)<BR ALIGN=\"LEFT\"/>INTERLEAVED SORTKEY (played_at, player_id)"
    ));
    let reference = lines_with(
        &text,
        &["\"plays\":\"player_id.out\":e -> \"players\":\"player_id\":w"],
    );
    assert_eq!(reference.len(), 1, "{text}");
    assert!(
        reference[0].contains("arrowhead=teeodot"),
        "nullable: zero or one"
    );
    let loaded = lines_with(&text, &["\"staging_plays\" -> \"players\"", "style=dashed"]);
    assert_eq!(loaded.len(), 1, "{text}");
    assert!(loaded[0].contains("tooltip=\"WHERE src.user_id <> ''; latest by src.ts\""));
    let lookup = lines_with(&text, &["\"players\" -> \"plays\"", "style=dotted"]);
    assert!(
        lookup[0].contains("tooltip=\"p.label = src.user_id\""),
        "{text}"
    );
    assert_eq!(lines_with(&text, &[" -> "]).len(), 4);
}

#[test]
fn text_is_escaped_for_each_syntax() {
    const ODD: Table = Table {
        name: "odd",
        rust_name: "Odd<'a>",
        columns: &[Column::new("a\"b", SqlType::Integer)],
        load: None,
        ..STAGING
    };
    let schema = Schema::new([&ODD]).unwrap();
    let dot = dot(&schema);
    assert!(dot.contains("staging · Odd&lt;'a&gt;"), "{dot}");
    assert!(dot.contains("PORT=\"a\\\"b\""), "{dot}");
    assert!(dot.contains(">a&quot;b</TD>"), "{dot}");
    let mermaid = mermaid(&schema);
    assert!(mermaid.contains("INTEGER a_b\n"), "{mermaid}");
}
