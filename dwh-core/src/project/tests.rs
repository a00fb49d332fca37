use super::*;
use crate::schema::Table;
use crate::{DimTable, StagingTable};

#[derive(StagingTable)]
#[allow(dead_code)]
#[dwh(table = "staging_a", diststyle = even)]
pub struct StagingA {
    pub id: Option<i64>,
}

#[derive(StagingTable)]
#[allow(dead_code)]
#[dwh(table = "staging_b", diststyle = even)]
pub struct StagingB {
    pub id: Option<i64>,
}

#[derive(DimTable)]
#[allow(dead_code)]
#[dwh(table = "dim_a", diststyle = all, source = StagingA)]
pub struct DimA {
    #[dwh(natural_key)]
    pub id: i64,
}

fn schema() -> Schema {
    Schema::new([
        &<StagingA as crate::StagingTable>::TABLE,
        &<StagingB as crate::StagingTable>::TABLE,
        &<DimA as crate::DimTable>::TABLE,
    ])
    .unwrap()
}

fn table<T: crate::StagingTable>() -> &'static Table {
    &T::TABLE
}

#[test]
fn every_staging_table_needs_one_source() {
    let err = Project::new("p", schema())
        .source::<StagingA>("a", "*.json")
        .build()
        .unwrap_err();
    assert_eq!(err, ProjectError::NoSource("staging_b"));
    let err = Project::new("p", schema())
        .source::<StagingA>("a", "*.json")
        .source::<StagingB>("b", "*.json")
        .source::<StagingB>("c", "*.json")
        .build()
        .unwrap_err();
    assert_eq!(err, ProjectError::TwoSources("staging_b"));
}

#[test]
fn sources_follow_the_schema_order() {
    let project = Project::new("p", schema())
        .source::<StagingB>("b/", "*.json")
        .source::<StagingA>("raw/a", "part-*.json")
        .build()
        .unwrap();
    let dirs: Vec<&str> = project.sources().iter().map(|s| s.dir.as_str()).collect();
    assert_eq!(dirs, ["raw/a", "b"]);
    assert_eq!(project.sources()[0].table, table::<StagingA>());
}

#[test]
fn bad_names_folders_and_patterns_are_refused() {
    let with = |name: &str, dir: &str, pattern: &str| {
        Project::new(name, schema())
            .source::<StagingA>(dir, pattern)
            .source::<StagingB>("b", "*.json")
            .build()
    };
    assert!(with("p", "a", "*.json").is_ok());
    assert_eq!(
        with("Shop!", "a", "*.json").unwrap_err(),
        ProjectError::BadName("Shop!".into())
    );
    for dir in ["../a", "/a", "a/./b", "", "a b"] {
        assert!(
            matches!(with("p", dir, "*.json"), Err(ProjectError::BadDir(_))),
            "{dir}"
        );
    }
    assert!(matches!(
        with("p", "a", "x/*.json"),
        Err(ProjectError::Pattern(_))
    ));
    assert!(matches!(
        with("p", "a", "[.json"),
        Err(ProjectError::Pattern(_))
    ));
}

#[test]
fn patterns_match_file_names() {
    let p = FilePattern::new("part-*.json").unwrap();
    assert!(p.matches("part-00001.json"));
    assert!(!p.matches("part-00001.json.gz"));
    assert!(!p.matches("x-part-1.json"));
    let any = FilePattern::new("*.{json,jsonl}").unwrap();
    assert!(any.matches("a.jsonl") && any.matches("a.json") && !any.matches("a.csv"));
    assert!(
        p.matches("PART-1.JSON") && any.matches("a.JsonL"),
        "case is ignored"
    );
}

#[test]
fn own_checks_run_after_the_derived_ones() {
    let project = Project::new("p", schema())
        .source::<StagingA>("a", "*.json")
        .source::<StagingB>("b", "*.json")
        .check(
            &<DimA as crate::DimTable>::TABLE,
            "ids are positive",
            "SELECT CAST(id AS VARCHAR(32)) AS key, COUNT(*) AS n FROM dim_a WHERE id <= 0 GROUP BY id",
        )
        .build()
        .unwrap();
    let queries = project.check_queries(3);
    let last = queries.last().unwrap();
    assert_eq!(last.check, "ids are positive");
    assert!(queries.len() > 1);
}
