//! What exists of each AWS resource dwh manages, read once: the only stage
//! of `provision`, `status` and `teardown` that reads AWS. Their plans are
//! pure functions of a [`Survey`].

use std::sync::Arc;

use serde_json::Value;

use crate::aws::ec2::{self, GroupState};
use crate::aws::iam::{self, RoleState};
use crate::aws::layout::Layout;
use crate::aws::redshift::{self, ClusterState};
use crate::aws::s3::{self, BucketState, Object};
use crate::aws::Aws;
use crate::config::DwhConfig;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Survey {
    /// dwh's IAM role (its inline policy compared with the wanted one).
    pub role: Option<RoleState>,
    pub cluster: Option<ClusterState>,
    /// The cluster's port (its endpoint's, else dwh.toml's): the ingress
    /// rules of `groups` are those on it.
    pub port: u16,
    /// The cluster's groups that exist, in its order, then dwh's own group
    /// if it is not among them (found in the cluster's VPC, else the
    /// default VPC; a cluster already gone leaves its group behind).
    pub groups: Vec<GroupState>,
    /// The default VPC, when it was looked up (no cluster, or one without
    /// a VPC): its id, or why there is none.
    pub default_vpc: Option<Result<String, ReadError>>,
    /// The data bucket and its folders; `None` when not read.
    pub bucket: Option<Bucket>,
}

impl Survey {
    /// Reads the role (comparing its inline policy with `policy`), the
    /// cluster, its security groups and dwh's own group, and with
    /// `project` the data bucket's folders for its staging sources.
    pub async fn read(
        aws: &Aws,
        config: &DwhConfig,
        policy: &Value,
        project: Option<&dwh_core::Project>,
    ) -> anyhow::Result<Survey> {
        let c = &config.cluster;
        let role = iam::describe(aws, &config.iam.role_name, policy).await?;
        let cluster = redshift::describe(aws, &c.identifier).await?;
        let port = cluster
            .as_ref()
            .and_then(|cl| cl.endpoint.as_ref().map(|(_, p)| *p))
            .unwrap_or(c.port);
        let mut groups: Vec<GroupState> = Vec::new();
        for id in cluster.iter().flat_map(|cl| &cl.security_groups) {
            groups.extend(ec2::describe(aws, id, port).await?);
        }
        let ours = ec2::group_name(&c.identifier);
        let mut default_vpc = None;
        if !groups.iter().any(|g| g.name == ours) {
            let vpc = match cluster.as_ref().and_then(|cl| cl.vpc_id.clone()) {
                Some(vpc) => Some(vpc),
                None => {
                    let read = ec2::default_vpc(aws).await;
                    let read = read.map_err(|e| ReadError(Arc::new(e)));
                    default_vpc.insert(read).as_ref().ok().cloned()
                }
            };
            if let Some(vpc) = vpc {
                groups.extend(ec2::find(aws, &ours, &vpc, port).await?);
            }
        }
        let bucket = match project {
            Some(project) => Some(bucket(aws, config, project).await?),
            None => None,
        };
        Ok(Survey {
            role,
            cluster,
            port,
            groups,
            default_vpc,
            bucket,
        })
    }

    /// The group provisioning puts its rule on: the cluster's first, else
    /// dwh's own in the default VPC, or the one to make there; an error
    /// when there is no cluster and no default VPC.
    pub fn group(&self, config: &DwhConfig) -> anyhow::Result<Group> {
        let by_id = |id: &String| self.groups.iter().find(|g| &g.id == id);
        if let Some(cluster) = &self.cluster {
            return Ok(match cluster.security_groups.first() {
                Some(id) => by_id(id)
                    .cloned()
                    .map_or(Group::Dangling(id.clone()), Group::Found),
                None => Group::NoneOnCluster,
            });
        }
        let vpc = match &self.default_vpc {
            Some(Ok(vpc)) => vpc.clone(),
            Some(Err(e)) => return Err(e.clone().into()),
            None => anyhow::bail!("the survey did not look up the default VPC"),
        };
        let ours = ec2::group_name(&config.cluster.identifier);
        Ok(match self.groups.iter().find(|g| g.name == ours) {
            Some(g) => Group::Found(g.clone()),
            None => Group::Absent { vpc },
        })
    }

    /// The cluster's groups, or with no cluster dwh's own group (in the
    /// default VPC), as `dwh status` lists them.
    pub fn cluster_groups(&self) -> Vec<&GroupState> {
        match &self.cluster {
            Some(cl) => self
                .groups
                .iter()
                .filter(|g| cl.security_groups.contains(&g.id))
                .collect(),
            None => self.groups.iter().collect(),
        }
    }
}

/// The security group that would carry provisioning's ingress rule.
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

/// One staging source's folder in the bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Folder {
    pub dir: String,
    /// Everything below the folder's data prefix (parts and anything else).
    pub objects: Vec<Object>,
    pub manifest: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bucket {
    /// No bucket in dwh.toml.
    NotConfigured,
    Missing,
    /// Owned by another account.
    Foreign,
    Usable(Vec<Folder>),
}

/// A failed read kept in the survey, to be the error of the plan that
/// needs what it would have read (its causes kept).
#[derive(Debug, Clone)]
pub struct ReadError(pub Arc<anyhow::Error>);

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl std::error::Error for ReadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

impl PartialEq for ReadError {
    fn eq(&self, other: &Self) -> bool {
        format!("{:#}", self.0) == format!("{:#}", other.0)
    }
}

impl Eq for ReadError {}

async fn bucket(
    aws: &Aws,
    config: &DwhConfig,
    project: &dwh_core::Project,
) -> anyhow::Result<Bucket> {
    let bucket = config.s3.bucket.as_str();
    if bucket.is_empty() {
        return Ok(Bucket::NotConfigured);
    }
    Ok(match s3::bucket_state(&aws.s3, bucket).await? {
        BucketState::Missing => Bucket::Missing,
        BucketState::Foreign => Bucket::Foreign,
        BucketState::Usable => {
            let layout = Layout::new(bucket, &config.s3.prefix);
            let mut folders = Vec::new();
            for source in project.sources() {
                let dir = source.dir.as_str();
                folders.push(Folder {
                    dir: dir.to_owned(),
                    objects: s3::list(&aws.s3, bucket, &layout.data_prefix(dir)).await?,
                    manifest: s3::exists(&aws.s3, bucket, &layout.manifest_key(dir)).await?,
                });
            }
            Bucket::Usable(folders)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::config;

    fn group(id: &str, name: &str) -> GroupState {
        GroupState {
            id: id.into(),
            name: name.into(),
            vpc_id: "vpc-1".into(),
            ingress: Vec::new(),
        }
    }

    fn nothing(default_vpc: Result<String, ReadError>) -> Survey {
        Survey {
            role: None,
            cluster: None,
            port: 5439,
            groups: Vec::new(),
            default_vpc: Some(default_vpc),
            bucket: None,
        }
    }

    #[test]
    fn without_a_cluster_or_a_default_vpc_provisioning_says_why() {
        let why = anyhow::anyhow!("region r has no default VPC").context("looking");
        let survey = nothing(Err(ReadError(Arc::new(why))));
        let e = survey.group(&config()).unwrap_err();
        assert_eq!(format!("{e:#}"), "looking: region r has no default VPC");
        let survey = nothing(Ok("vpc-1".into()));
        let absent = Group::Absent {
            vpc: "vpc-1".into(),
        };
        assert_eq!(survey.group(&config()).unwrap(), absent);
        assert!(survey.cluster_groups().is_empty());
    }

    #[test]
    fn status_lists_only_the_clusters_groups_when_there_is_one() {
        let mut survey = nothing(Ok("vpc-1".into()));
        survey.groups = vec![group("sg-1", "default"), group("sg-2", "dwh-dwh-shop")];
        assert_eq!(survey.cluster_groups().len(), 2, "no cluster: dwh's own");
        let cluster = ClusterState {
            identifier: "dwh-shop".into(),
            status: "available".into(),
            node_type: "ra3.large".into(),
            nodes: 1,
            endpoint: None,
            vpc_id: Some("vpc-1".into()),
            security_groups: vec!["sg-1".into()],
            iam_roles: Vec::new(),
            publicly_accessible: false,
            encrypted: true,
            database: "dev".into(),
            user: "admin".into(),
        };
        survey.cluster = Some(cluster);
        let ids: Vec<&str> = survey
            .cluster_groups()
            .iter()
            .map(|g| g.id.as_str())
            .collect();
        assert_eq!(ids, ["sg-1"]);
        assert_eq!(
            survey.group(&config()).unwrap(),
            Group::Found(group("sg-1", "default"))
        );
    }
}
