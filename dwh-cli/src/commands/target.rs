//! What a target hands the run: a locked connection and the staging
//! input, prepared by the local engine (`pipeline`) or the Redshift target
//! (`redshift`), with the run's batch policy from the arguments.

use dwh_core::pipeline::Files;
use dwh_core::run::Staged;
use dwh_core::Warehouse;

use super::data::Location;
use super::redshift::{Cluster, RedshiftRun};

/// What feeds a run's staging tables.
pub enum Input {
    /// The local engine's staging files, chosen by the run.
    Files(Files),
    /// Redshift: COPY of what the target chose and uploaded.
    #[cfg_attr(not(feature = "redshift"), allow(dead_code))]
    Staged(Staged),
}

/// A run ready to execute: the connection, and what the staging load reads.
pub struct Prepared {
    pub warehouse: Warehouse,
    pub input: Input,
    /// Where the data comes from, for the load spinner.
    pub location: Option<Location>,
    /// The data is the project's generated demo data.
    pub generated: bool,
    /// On Redshift: what explains a failed COPY.
    pub redshift: Option<RedshiftRun>,
}

/// The Redshift target's preparation, as the run takes it.
impl From<Cluster> for Prepared {
    fn from(cluster: Cluster) -> Prepared {
        Prepared {
            warehouse: cluster.warehouse,
            input: Input::Staged(cluster.staged),
            location: None,
            generated: false,
            redshift: Some(cluster.redshift),
        }
    }
}
