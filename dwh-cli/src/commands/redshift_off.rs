//! The Redshift target's stand-in when dwh-cli is built without its
//! `redshift` feature (no AWS SDK): the same entry points as
//! `redshift.rs`, each refusing before any work with how to turn it on.

use std::path::Path;

use dwh_core::sql::Parts;
use dwh_core::{Project, Warehouse, WarehouseError};

use super::console::Console;
use crate::cli::AllArgs;
use dwh_core::run::Staged;

/// Why an AWS command or `--target redshift` cannot run in this build.
pub fn not_built() -> anyhow::Error {
    anyhow::anyhow!(
        "this dwh was built without the Redshift target and AWS commands (dwh-cli's \
         `redshift` feature): add `features = [\"redshift\"]` to the dwh-cli line of your \
         Cargo.toml, or use the local engine"
    )
}

/// Never made: nothing here reaches Redshift.
pub enum RedshiftRun {}

/// A prepared cluster, never made either.
pub struct Cluster {
    pub warehouse: Warehouse,
    pub staged: Staged,
    pub redshift: RedshiftRun,
}

pub async fn prepare(
    _: &mut Console,
    _: &AllArgs,
    _: &Project,
    _: Parts,
) -> anyhow::Result<Cluster> {
    Err(not_built())
}

pub async fn connect_cluster(_: &mut Console, _: &Path, _: &Project) -> anyhow::Result<Warehouse> {
    Err(not_built())
}

impl RedshiftRun {
    pub async fn explain(&self, _: &Warehouse, _: WarehouseError) -> anyhow::Error {
        match *self {}
    }
}
