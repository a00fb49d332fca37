//! What exists to tear down: the only stage of `dwh teardown` that reads AWS.

use serde_json::Value;

use crate::aws::ec2::{self, GroupState};
use crate::aws::iam::{self, RoleState};
use crate::aws::redshift::{self, ClusterState};
use crate::aws::Aws;
use crate::config::DwhConfig;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Survey {
    pub cluster: Option<ClusterState>,
    /// The cluster's port (its endpoint's, else dwh.toml's): the rules on
    /// it are the ones to close.
    pub port: u16,
    /// The cluster's groups, plus dwh's own group if it is not among them
    /// (a cluster already gone leaves its group behind).
    pub groups: Vec<GroupState>,
    pub role: Option<RoleState>,
}

pub async fn survey(aws: &Aws, config: &DwhConfig, policy: &Value) -> anyhow::Result<Survey> {
    let c = &config.cluster;
    let ours = ec2::group_name(&c.identifier);
    let cluster = redshift::describe(aws, &c.identifier).await?;
    let port = cluster
        .as_ref()
        .and_then(|cl| cl.endpoint.as_ref().map(|(_, p)| *p))
        .unwrap_or(c.port);
    let mut groups: Vec<GroupState> = Vec::new();
    for id in cluster.iter().flat_map(|cl| &cl.security_groups) {
        groups.extend(ec2::describe(aws, id, port).await?);
    }
    if !groups.iter().any(|g| g.name == ours) {
        let vpc = match cluster.as_ref().and_then(|cl| cl.vpc_id.clone()) {
            Some(vpc) => Some(vpc),
            None => ec2::default_vpc(aws).await.ok(),
        };
        if let Some(vpc) = vpc {
            groups.extend(ec2::find(aws, &ours, &vpc, port).await?);
        }
    }
    let role = iam::describe(aws, &config.iam.role_name, policy).await?;
    Ok(Survey {
        cluster,
        port,
        groups,
        role,
    })
}
