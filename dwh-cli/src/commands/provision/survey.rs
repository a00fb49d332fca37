//! What exists before provisioning: the only stage that reads AWS.

use serde_json::Value;

use crate::aws::ec2::{self, GroupState};
use crate::aws::iam::{self, RoleState};
use crate::aws::redshift::{self, ClusterState};
use crate::aws::Aws;
use crate::config::DwhConfig;

/// The security group that would carry the ingress rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Group {
    /// The adopted cluster's own (first) group, or dwh's group found in the
    /// default VPC when there is no cluster yet.
    Found(GroupState),
    /// No cluster and no dwh group: one is to be made in this (default) VPC.
    Absent { vpc: String },
    /// The cluster names this group, which does not exist.
    Dangling(String),
    /// The cluster has no VPC security group at all.
    NoneOnCluster,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Survey {
    pub role: Option<RoleState>,
    pub cluster: Option<ClusterState>,
    pub group: Group,
}

/// Reads the role (comparing its inline policy with `policy`), the cluster
/// and the group, in that order.
pub async fn survey(aws: &Aws, config: &DwhConfig, policy: &Value) -> anyhow::Result<Survey> {
    let c = &config.cluster;
    let role = iam::describe(aws, &config.iam.role_name, policy).await?;
    let cluster = redshift::describe(aws, &c.identifier).await?;
    let group = match &cluster {
        Some(cluster) => match cluster.security_groups.first() {
            Some(id) => match ec2::describe(aws, id, c.port).await? {
                Some(g) => Group::Found(g),
                None => Group::Dangling(id.clone()),
            },
            None => Group::NoneOnCluster,
        },
        None => {
            let vpc = ec2::default_vpc(aws).await?;
            match ec2::find(aws, &ec2::group_name(&c.identifier), &vpc, c.port).await? {
                Some(g) => Group::Found(g),
                None => Group::Absent { vpc },
            }
        }
    };
    Ok(Survey {
        role,
        cluster,
        group,
    })
}
