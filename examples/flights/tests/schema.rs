//! The flights schema without a database: the keyless fact, the two roles
//! of `airports` in lookups, checks and diagrams.

use dwh_core::diagram::{self, EdgeKind};
use dwh_core::sql::{self, Dialect};

#[test]
fn the_fact_is_keyless_and_appends_each_batch_once_in_both_dialects() {
    let schema = flights::schema();
    let fact = schema.table("flights").unwrap();
    assert!(fact.is_keyless());
    for dialect in [Dialect::Postgres, Dialect::Redshift] {
        let load = sql::load_statements(fact, dialect).unwrap();
        assert_eq!(load.statements.len(), 1);
        let insert = &load.statements[0];
        assert!(insert.starts_with("INSERT INTO \"flights\""), "{insert}");
        assert!(insert.contains("AND NOT transformed"), "{insert}");
        for join in [
            "LEFT JOIN \"airports\" AS \"o\" ON \"o\".\"faa\" = RTRIM(src.origin)",
            "LEFT JOIN \"airports\" AS \"d\" ON \"d\".\"faa\" = RTRIM(src.dest)",
        ] {
            assert!(
                insert.contains(join),
                "{dialect:?}: {join} missing from\n{insert}"
            );
        }
    }
}

#[test]
fn each_airport_role_is_checked_and_drawn() {
    let project = flights::project();
    let checks: Vec<String> = project
        .check_queries(5)
        .into_iter()
        .filter(|q| q.table.name == "flights")
        .map(|q| q.check)
        .collect();
    assert!(checks.contains(&"every `origin_key` is in `airports`".to_owned()));
    assert!(checks.contains(&"every `dest_key` is in `airports`".to_owned()));
    assert!(
        !checks.iter().any(|c| c.starts_with("natural key")),
        "{checks:?}"
    );

    let schema = project.schema();
    let roles: Vec<&str> = diagram::edges(schema)
        .into_iter()
        .filter(|e| e.from.name == "flights" && e.to.name == "airports")
        .filter_map(|e| match e.kind {
            EdgeKind::Reference { column } => Some(column.name),
            _ => None,
        })
        .collect();
    assert_eq!(roles, ["origin_key", "dest_key"]);
    let lookups: Vec<&str> = diagram::edges(schema)
        .into_iter()
        .filter_map(|e| match e.kind {
            EdgeKind::Lookup { alias } if e.to.name == "flights" => Some(alias),
            _ => None,
        })
        .collect();
    assert_eq!(lookups, ["o", "d"]);
    let mermaid = diagram::mermaid(schema);
    for line in [
        r#""airports" |o--o{ "flights" : "origin_key""#,
        r#""airports" |o--o{ "flights" : "dest_key""#,
    ] {
        assert!(mermaid.contains(line), "{line} missing from\n{mermaid}");
    }
    let dot = diagram::dot(schema);
    assert!(dot.contains("origin_key") && dot.contains("dest_key"));
}

#[test]
fn the_project_holds_together() {
    let project = flights::project();
    assert_eq!(project.name(), "flights");
    let dirs: Vec<&str> = project.sources().iter().map(|s| s.dir.as_str()).collect();
    assert_eq!(dirs, ["flights", "airports", "airlines"]);
    let keys: Vec<&str> = project.analyses().iter().map(|a| a.key()).collect();
    assert_eq!(
        keys,
        [
            "busiest_routes",
            "carrier_punctuality",
            "flights_by_weekday",
            "delay_by_month"
        ]
    );
    let generator = project.generator().unwrap();
    assert_eq!(generator.unit(), "flights");
    assert_eq!(generator.default_size(), 50_000);
    assert_eq!(generator.max_size(), flights::ALL_FLIGHTS);
}
