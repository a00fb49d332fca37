//! Schema evolution: the live schema of the declared tables, its
//! difference from the structs, and the ordered statements that close it.
//!
//! - [`live`]: the live model ([`LiveTable`]) and how catalog rows become
//!   it, for both dialects; [`catalog`] renders the catalog queries.
//! - [`diff`]: what differs between a live table and its struct.
//! - [`plan`]: per table, the statements that close the difference, each
//!   marked [`Safety`] and whether it may run inside the transaction.
//! - [`unmatched`]: the facts' unmatched-rows tables follow their staging
//!   sources.
//!
//! Nothing here touches a database: the warehouse runs the queries and
//! the plan (`Warehouse::live_tables`, `WriteBatch::migrate`).

mod alter;
pub mod catalog;
mod deep_copy;
pub mod diff;
pub mod live;
pub mod plan;
mod step;
mod types;
pub mod unmatched;

pub use deep_copy::high_query;
pub use diff::Change;
pub use live::{ColumnRow, Grant, LiveColumn, LiveDist, LiveSortKey, LiveTable, TableRow};
pub use plan::{plan, Plan, Safety, Step, TableAction, TablePlan};
pub use types::parse_type;
pub use unmatched::live_names;

#[cfg(test)]
mod tests;
