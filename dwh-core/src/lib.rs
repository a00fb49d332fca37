#![warn(missing_docs)]

//! dwh: typed star-schema data warehouses for Amazon Redshift.
//!
//! Declare staging, dimension and fact tables as structs with
//! `#[derive(StagingTable)]`, `#[derive(DimTable)]` and `#[derive(FactTable)]`;
//! dwh renders their Redshift (or local PostgreSQL) DDL, COPY and load SQL,
//! and reads query results into structs with `#[derive(Row)]`.

pub mod catalog;
pub mod checks;
pub mod diagram;
pub mod gen;
pub mod load;
pub mod local;
pub mod report;
pub mod row;
pub mod schema;
pub mod sql;
pub mod warehouse;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

pub use catalog::Schema;
pub use row::{FromRow, RowError};
pub use schema::{AnyTable, DimTable, FactTable, StagingTable};
pub use warehouse::{Warehouse, WarehouseError};

pub use dwh_derive::{DimTable, FactTable, Row, StagingTable};
