#![warn(missing_docs)]

//! dwh: typed star-schema data warehouses for Amazon Redshift.
//!
//! Declare staging, dimension and fact tables as structs with
//! `#[derive(StagingTable)]`, `#[derive(DimTable)]` and `#[derive(FactTable)]`;
//! dwh renders their Redshift (or local PostgreSQL) DDL, COPY and load SQL,
//! and reads query results into structs with `#[derive(Row)]`.
//!
//! # Declaring a warehouse
//!
//! A staging table mirrors the JSON source; a dimension and a fact say which
//! staging table fills them, their natural key (one row per key, so re-runs
//! change nothing; an append-only event fact without one is declared
//! `keyless` and rebuilt from staging on every run) and their Redshift
//! physical design. A dimension declared `history = scd2` keeps a version per
//! change of its `tracked` columns instead (type 2; see
//! [`schema::History`]). [`Schema::new`]
//! checks that the tables fit together and orders them for loading.
//!
//! ```
//! use chrono::NaiveDateTime;
//! use dwh_core::sql::{self, Dialect, IfNotExists};
//! use dwh_core::{DimTable, FactTable, Schema, StagingTable};
//!
//! /// One order line as it arrives, JSON lines with camelCase keys.
//! #[derive(StagingTable)]
//! #[dwh(table = "staging_orders", diststyle = even)]
//! pub struct StagingOrder {
//!     #[dwh(json = "orderId")]
//!     pub order_id: Option<i64>,
//!     #[dwh(json = "customerId", varchar = 32)]
//!     pub customer_id: Option<String>,
//!     #[dwh(varchar = 128)]
//!     pub country: Option<String>,
//!     pub amount: Option<f64>,
//!     #[dwh(epoch_millis)]
//!     pub ts: Option<NaiveDateTime>,
//! }
//!
//! /// Customers, small and joined by every order: copied to every node.
//! #[derive(DimTable)]
//! #[dwh(table = "customers", diststyle = all, sortkey(customer_id),
//!       source = StagingOrder, latest_by = "src.ts")]
//! pub struct Customer {
//!     #[dwh(natural_key, varchar = 32, encode = raw)]
//!     pub customer_id: String,
//!     #[dwh(varchar = 128, encode = zstd)]
//!     pub country: Option<String>,
//! }
//!
//! /// One row per order.
//! #[derive(FactTable)]
//! #[dwh(table = "orders", distkey = ordered_at, sortkey(ordered_at),
//!       source = StagingOrder)]
//! pub struct Order {
//!     #[dwh(identity, encode = az64)]
//!     pub id: i64,
//!     #[dwh(natural_key, encode = az64)]
//!     pub order_id: i64,
//!     #[dwh(from = "ts", encode = raw)]
//!     pub ordered_at: NaiveDateTime,
//!     #[dwh(references = Customer, varchar = 32, encode = zstd)]
//!     pub customer_id: String,
//!     #[dwh(encode = raw)]
//!     pub amount: f64,
//! }
//!
//! let schema = Schema::new([
//!     &<StagingOrder as StagingTable>::TABLE,
//!     &<Customer as DimTable>::TABLE,
//!     &<Order as FactTable>::TABLE,
//! ])?;
//! assert_eq!(schema.tables().len(), 3);
//!
//! // Redshift DDL carries the physical design; the informational key is
//! // declared only on the IDENTITY surrogate.
//! let orders = &<Order as FactTable>::TABLE;
//! assert_eq!(
//!     sql::create_table(orders, Dialect::Redshift, IfNotExists::No),
//!     r#"CREATE TABLE "orders" (
//!     "id" BIGINT IDENTITY(0, 1) NOT NULL ENCODE AZ64,
//!     "order_id" BIGINT NOT NULL ENCODE AZ64,
//!     "ordered_at" TIMESTAMP NOT NULL ENCODE RAW,
//!     "customer_id" VARCHAR(32) NOT NULL ENCODE ZSTD,
//!     "amount" DOUBLE PRECISION NOT NULL ENCODE RAW,
//!     PRIMARY KEY ("id")
//! )
//! DISTSTYLE KEY
//! DISTKEY ("ordered_at")
//! COMPOUND SORTKEY ("ordered_at")"#
//! );
//! // The local engine gets the same columns without the physical options.
//! let local = sql::create_table(orders, Dialect::Postgres, IfNotExists::Yes);
//! assert!(local.starts_with(r#"CREATE TABLE IF NOT EXISTS "orders""#));
//! assert!(!local.contains("DISTKEY") && !local.contains("ENCODE"));
//! # Ok::<(), dwh_core::catalog::SchemaError>(())
//! ```
//!
//! # Where to go next
//!
//! - [`sql`] renders every statement dwh runs (DDL, COPY, loads, checks,
//!   the Redshift run transaction) without a database.
//! - [`Warehouse`] runs them on a connection: creates the tables, loads
//!   staging ([`load`]), fills dimensions and facts, and reads typed rows
//!   with [`Warehouse::query_as`] and `#[derive(Row)]`.
//! - [`local`] starts and stops the local PostgreSQL engine;
//!   [`checks`] runs the data-quality checks; [`diagram`] draws the schema.

pub mod catalog;
pub mod checks;
pub mod diagram;
pub mod docs;
pub mod doctor;
pub mod load;
pub mod local;
pub mod migrate;
pub mod pipeline;
pub mod progress;
pub mod project;
pub mod report;
pub mod row;
pub mod run;
pub mod schema;
pub mod sql;
pub mod warehouse;

// The derives name `::dwh_core`; this lets dwh-core's own tests use them.
extern crate self as dwh_core;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

pub use catalog::Schema;
pub use project::{Analysis, Project};
pub use row::{FromRow, RowError};
pub use schema::{AnyTable, DimTable, FactTable, StagingTable};
pub use warehouse::{Warehouse, WarehouseError};

pub use dwh_derive::{DimTable, FactTable, Row, StagingTable};
