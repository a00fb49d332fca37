//! The `__project_name__` warehouse: a shop's orders as a star schema.
//!
//! JSON lines under `data/orders/` are copied into `staging_orders`, then
//! de-duplicated into one dimension (`customers`) and one fact (`orders`).
//! `cargo run -- all` builds it on a PostgreSQL that dwh starts itself;
//! `cargo run -- ddl` prints the Redshift DDL with the physical design below.
//!
//! Physical design (Redshift; the local PostgreSQL ignores it):
//! - DISTSTYLE: EVEN for staging (COPY writes to every slice, and the table
//!   is read whole once per load); ALL for the small `customers` (a copy on
//!   every node, so no join to it ever moves rows); KEY for the large fact.
//!   https://docs.aws.amazon.com/redshift/latest/dg/c_choosing_dist_sort.html
//! - SORTKEY: the column queries filter or join on, so that zone maps skip
//!   blocks: `ordered_at` for orders (date ranges), `customer_id` for
//!   customers (the join key).
//!   https://docs.aws.amazon.com/redshift/latest/dg/c_best-practices-sort-key.html
//! - ENCODE: sort-key columns RAW (a compressed leading sort column makes
//!   range scans read more blocks); integers and timestamps AZ64; free text
//!   ZSTD; strings with few distinct values (cities, products) BYTEDICT.
//!   https://docs.aws.amazon.com/redshift/latest/dg/c_Compression_encodings.html
//!
//! To add a table: declare a struct with `#[derive(StagingTable)]`,
//! `DimTable` or `FactTable` below, list it in [`schema`] (staging first,
//! dimensions before the facts that reference them) and, for a staging
//! table, give it a folder in [`project`] with `.source::<ItsStruct>(..)`.

use chrono::NaiveDateTime;
use dwh_core::project::{Analysis, Project};
use dwh_core::{DimTable, FactTable, Row, Schema, StagingTable};
use serde::Serialize;

/// One order line as the shop exports it (JSON lines, `data/orders/*.json`).
/// Every column is optional: staging takes the data as it comes, and the
/// checks after the load say what is missing.
#[derive(Debug, Clone, StagingTable)]
#[dwh(table = "staging_orders", diststyle = even)]
pub struct StagingOrder {
    pub order_id: Option<i64>,
    /// `2026-03-02 09:14:05`, UTC: Redshift COPY's default time format.
    pub ordered_at: Option<NaiveDateTime>,
    pub customer_id: Option<i32>,
    #[dwh(varchar = 128)]
    pub customer_name: Option<String>,
    #[dwh(varchar = 64)]
    pub city: Option<String>,
    #[dwh(varchar = 128)]
    pub product: Option<String>,
    pub quantity: Option<i32>,
    /// Money in integer cents: exact, unlike a float.
    pub unit_price_cents: Option<i64>,
}

/// Customers, one row per customer id with their latest details: a customer
/// who moved keeps only the city of their latest order.
#[derive(Debug, Clone, DimTable)]
#[dwh(
    table = "customers",
    diststyle = all,
    sortkey(customer_id),
    source = StagingOrder,
    latest_by = "src.ordered_at"
)]
pub struct Customer {
    #[dwh(natural_key, encode = raw)]
    pub customer_id: i32,
    #[dwh(from = "customer_name", varchar = 128, encode = zstd)]
    pub name: String,
    #[dwh(varchar = 64, encode = bytedict)]
    pub city: String,
}

/// One row per order. An order exported twice (a retried export) is
/// loaded once: `order_id` is its natural key.
///
/// DISTKEY `customer_id`: a customer's orders share a slice, so per-customer
/// aggregates (lifetime value, repeat purchases) need no redistribution,
/// and many customers spread the rows evenly. Should `customers` outgrow
/// DISTSTYLE ALL, give it DISTKEY `customer_id` too: the join stays local.
/// https://docs.aws.amazon.com/redshift/latest/dg/c_best-practices-best-dist-key.html
#[derive(Debug, Clone, FactTable)]
#[dwh(
    table = "orders",
    distkey = customer_id,
    sortkey(ordered_at),
    source = StagingOrder
)]
pub struct Order {
    #[dwh(natural_key, encode = az64)]
    pub order_id: i64,
    #[dwh(encode = raw)]
    pub ordered_at: NaiveDateTime,
    #[dwh(references = Customer, encode = az64)]
    pub customer_id: i32,
    #[dwh(varchar = 128, encode = bytedict)]
    pub product: String,
    #[dwh(encode = az64)]
    pub quantity: i32,
    #[dwh(encode = az64, expr = "src.quantity * src.unit_price_cents")]
    pub total_cents: i64,
}

/// Every table, in load order: staging, dimensions, facts.
pub fn schema() -> Schema {
    Schema::new([
        &<StagingOrder as StagingTable>::TABLE,
        &<Customer as DimTable>::TABLE,
        &<Order as FactTable>::TABLE,
    ])
    .expect("the schema is consistent")
}

/// Orders and revenue per city, by each customer's latest city.
#[derive(Debug, Clone, PartialEq, Row, Serialize)]
pub struct CityRevenue {
    pub city: String,
    pub orders: i64,
    pub revenue_cents: i64,
}

/// Units sold and revenue per product.
#[derive(Debug, Clone, PartialEq, Row, Serialize)]
pub struct ProductSales {
    pub product: String,
    pub units: i64,
    pub revenue_cents: i64,
}

/// The warehouse as the `dwh` commands run it: its tables, where each
/// staging table's files are, and the analyses `dwh all` ends with.
///
/// The SQL runs on Redshift and PostgreSQL alike. Sums are cast to BIGINT
/// because PostgreSQL's SUM of a BIGINT is NUMERIC.
pub fn project() -> Project {
    Project::new("__project_name__", schema())
        .source::<StagingOrder>("orders", "*.json")
        .analysis(Analysis::new::<CityRevenue>(
            "revenue_by_city",
            "Revenue by city",
            |top| {
                format!(
                    "SELECT c.city AS city, COUNT(*) AS orders, \
                     CAST(SUM(o.total_cents) AS BIGINT) AS revenue_cents \
                     FROM orders o JOIN customers c ON c.customer_id = o.customer_id \
                     GROUP BY c.city ORDER BY revenue_cents DESC, city LIMIT {top}"
                )
            },
        ))
        .analysis(Analysis::new::<ProductSales>(
            "top_products",
            "Best-selling products",
            |top| {
                format!(
                    "SELECT product, CAST(SUM(quantity) AS BIGINT) AS units, \
                     CAST(SUM(total_cents) AS BIGINT) AS revenue_cents \
                     FROM orders GROUP BY product ORDER BY units DESC, product LIMIT {top}"
                )
            },
        ))
        // Without `--data`, `dwh all` and `dwh load` read this folder.
        .data_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/data"))
        .build()
        .expect("the project holds together")
}
