//! [`RunError`]: why a run stopped.

use crate::warehouse::ledger::{GoneFilesRefused, TablesGone};
use crate::warehouse::WarehouseError;

/// Why a run stopped. Nothing it wrote before the commit stays.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// A statement, the connection, or a staging load failed.
    #[error(transparent)]
    Warehouse(#[from] WarehouseError),
    /// A rebuild would leave out files gone from the source.
    #[error(transparent)]
    GoneFiles(#[from] GoneFilesRefused),
    /// Tables are gone that the ledger's files were loaded into.
    #[error(transparent)]
    TablesGone(#[from] TablesGone),
    /// The warehouse's tables differ from the structs.
    #[error(
        "the warehouse's {} {} {} from the structs, so dwh changed nothing.\n  \
         Run `dwh plan` to see the difference and `dwh migrate` to apply it \
         (or `dwh all --fresh` to rebuild every table from the data).",
        if .0.len() == 1 { "table" } else { "tables" },
        .0.join(", "),
        if .0.len() == 1 { "differs" } else { "differ" }
    )]
    Differs(Vec<String>),
    /// The charts could not be drawn, after the commit.
    #[error("the warehouse was loaded and committed; only the charts could not be drawn")]
    Charts(#[source] Box<dyn std::error::Error + Send + Sync>),
}
