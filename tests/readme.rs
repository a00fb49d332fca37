//! The README's example is this file's: its Rust block is the code between
//! the `README` markers below, its SQL block is the Redshift DDL those
//! structs render, and the typed query runs on the local engine over rows
//! loaded from a JSON file. A change to any of them fails here.

use dwh_core::sql::{create_table, Dialect, IfNotExists};
use dwh_core::{Project, Schema};
use dwh_tests::{fresh_warehouse, scratch, workspace};

// README: begin
use dwh_core::{DimTable, FactTable, Row, StagingTable};

/// Raw orders, as JSON lines.
#[derive(StagingTable)]
#[dwh(table = "staging_orders", diststyle = even)]
pub struct StagingOrder {
    pub order_id: Option<i64>,
    #[dwh(varchar = 64)]
    pub customer: Option<String>,
    pub amount: Option<f64>,
}

/// One row per customer, copied to every node.
#[derive(DimTable)]
#[dwh(table = "customers", diststyle = all, sortkey(customer), source = StagingOrder)]
pub struct Customer {
    #[dwh(natural_key, varchar = 64, encode = raw)]
    pub customer: String,
}

/// One row per order, distributed by customer for the join.
#[derive(FactTable)]
#[dwh(table = "orders", distkey = customer, sortkey(order_id), source = StagingOrder)]
pub struct Order {
    #[dwh(natural_key, encode = raw)]
    pub order_id: i64,
    #[dwh(references = Customer, varchar = 64, encode = zstd)]
    pub customer: String,
    pub amount: f64,
}

/// A typed query: columns are read by name into the fields.
#[derive(Row)]
pub struct Spend {
    pub customer: String,
    pub total: f64,
}
// README: end

fn schema() -> Schema {
    Schema::new([
        &<StagingOrder as StagingTable>::TABLE,
        &<Customer as DimTable>::TABLE,
        &<Order as FactTable>::TABLE,
    ])
    .unwrap()
}

/// The fenced block of `language` that follows `marker` in the README.
fn readme_block(marker: &str, language: &str) -> String {
    let readme = std::fs::read_to_string(workspace().join("README.md")).unwrap();
    let after = &readme[readme.find(marker).expect(marker)..];
    let fence = format!("```{language}\n");
    let start = after.find(&fence).expect(&fence) + fence.len();
    let end = after[start..].find("```").unwrap();
    after[start..start + end].to_owned()
}

#[test]
fn the_readme_rust_block_is_this_files_code() {
    let this = include_str!("readme.rs");
    let begin = this.find("// README: begin\n").unwrap() + "// README: begin\n".len();
    let end = this.find("// README: end").unwrap();
    assert_eq!(readme_block("## An example", "rust"), this[begin..end]);
}

#[test]
fn the_readme_sql_block_is_the_ddl_they_render() {
    let ddl: Vec<String> = schema()
        .tables()
        .iter()
        .skip(1)
        .map(|t| create_table(t, Dialect::Redshift, IfNotExists::No) + ";\n")
        .collect();
    assert_eq!(readme_block("## An example", "sql"), ddl.join("\n"));
}

#[tokio::test]
async fn the_readme_query_reads_typed_rows() {
    let project = Project::new("shop", schema())
        .source::<StagingOrder>("orders", "*.json")
        .build()
        .unwrap();
    let dir = scratch("readme_example");
    std::fs::create_dir_all(dir.join("orders")).unwrap();
    let lines = [(1, "ann", 10.5), (2, "bob", 3.0), (3, "ann", 4.5)]
        .map(|(id, who, amount)| {
            serde_json::json!({"order_id": id, "customer": who, "amount": amount}).to_string()
        })
        .join("\n");
    std::fs::write(dir.join("orders/2026-03.json"), lines).unwrap();
    let (mut warehouse, _) = fresh_warehouse("readme_example").await;
    dwh_tests::run_dir(&mut warehouse, &project, &dir, Default::default())
        .await
        .unwrap();
    let query = readme_block("## An example", "rust");
    assert!(query.contains("struct Spend"));
    let sql = "SELECT customer, SUM(amount) AS total FROM orders GROUP BY customer ORDER BY 1";
    let rows: Vec<Spend> = warehouse.query_as(sql, &[]).await.unwrap();
    let got: Vec<(String, f64)> = rows.into_iter().map(|r| (r.customer, r.total)).collect();
    assert_eq!(got, [("ann".to_owned(), 15.0), ("bob".to_owned(), 3.0)]);
    let readme = std::fs::read_to_string(workspace().join("README.md")).unwrap();
    assert!(
        readme.contains(sql),
        "the README shows the query this test runs"
    );
}
