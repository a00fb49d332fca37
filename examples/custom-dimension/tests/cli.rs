//! The extended warehouse runs every subcommand through `dwh_cli::main`:
//! its DDL and diagram include `locations`, `all` builds and fills it from
//! the course sample, and `check` passes on the result.

use std::collections::BTreeSet;

use dwh_tests::{fresh_warehouse, require_sample, run_cli, sample_dir};

const BIN: &str = env!("CARGO_BIN_EXE_dwh-example-custom-dimension");

#[tokio::test]
async fn ddl_and_diagram_include_the_new_dimension() {
    let ddl = run_cli(BIN, &["ddl"]).await.success("ddl");
    assert!(
        ddl.stdout
            .contains("CREATE TABLE IF NOT EXISTS \"locations\""),
        "{}",
        ddl.stdout
    );
    assert!(ddl.stdout.starts_with("-- sparkify-locations star schema"));
    let diagram = run_cli(BIN, &["diagram"]).await.success("diagram");
    assert!(
        diagram
            .stdout
            .contains("\"locations\"[\"locations (dimension"),
        "{}",
        diagram.stdout
    );
}

#[tokio::test]
async fn all_then_check_fill_locations_from_the_sample() {
    require_sample!();
    let (warehouse, url) = fresh_warehouse("custom_dimension_cli").await;
    let report = dwh_tests::scratch("custom_dimension_cli").join("report.json");
    let data = sample_dir().display().to_string();
    let all = run_cli(
        BIN,
        &[
            "all",
            "--database-url",
            &url,
            "--data",
            &data,
            "--report",
            &report.display().to_string(),
        ],
    )
    .await
    .success("all");
    assert!(
        all.stdout.contains("Top metropolitan areas"),
        "{}",
        all.stdout
    );
    // The sample's distinct locations of song plays, read from its files.
    let expected: BTreeSet<String> = dwh_tests::json_objects(&sample_dir().join("log_data"))
        .iter()
        .filter(|e| e["page"] == "NextSong")
        .filter_map(|e| e["location"].as_str().map(str::to_owned))
        .collect();
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(report["tables"]["locations"], expected.len() as u64);
    let rows = warehouse
        .client()
        .query_one("SELECT COUNT(*) FROM locations WHERE states IS NULL", &[])
        .await
        .unwrap();
    assert_eq!(
        rows.get::<_, i64>(0),
        0,
        "every sample location has a state"
    );
    run_cli(BIN, &["check", "--database-url", &url])
        .await
        .success("check");
    // The site's run page, read back from the warehouse: Sparkify's charts,
    // and the new analysis with its rows.
    let site = dwh_tests::scratch("custom_dimension_cli").join("site");
    let out = site.display().to_string();
    run_cli(BIN, &["docs", "--database-url", &url, "--out", &out])
        .await
        .success("docs");
    let page = std::fs::read_to_string(site.join("run.html")).unwrap();
    let locations = format!("<tr><td>locations</td><td>{}</td></tr>", expected.len());
    assert!(page.contains(&locations), "{locations} in {page}");
    assert!(page.contains("<h3>Top metropolitan areas</h3>"), "{page}");
    assert!(site.join("charts/top-songs.svg").is_file());
    assert!(page.contains("<img src=\"charts/top-songs.svg\""), "{page}");
}
