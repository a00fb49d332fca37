//! What exists of each resource dwh manages: the only stage of `dwh status`
//! that reads AWS.

use serde_json::Value;

use crate::aws::ec2::{self, GroupState};
use crate::aws::iam::{self, RoleState};
use crate::aws::layout::Layout;
use crate::aws::redshift::{self, ClusterState};
use crate::aws::s3::{self, BucketState, Object};
use crate::aws::Aws;
use crate::config::DwhConfig;

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

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Survey {
    pub role: Option<RoleState>,
    pub cluster: Option<ClusterState>,
    /// The cluster's groups, or dwh's own group in the default VPC when
    /// there is no cluster.
    pub groups: Vec<GroupState>,
    pub bucket: Bucket,
}

pub async fn survey(
    aws: &Aws,
    config: &DwhConfig,
    policy: &Value,
    project: &dwh_core::Project,
) -> anyhow::Result<Survey> {
    let c = &config.cluster;
    let role = iam::describe(aws, &config.iam.role_name, policy).await?;
    let cluster = redshift::describe(aws, &c.identifier).await?;
    let groups = match &cluster {
        Some(cl) => {
            let mut groups = Vec::new();
            for id in &cl.security_groups {
                groups.extend(ec2::describe(aws, id, c.port).await?);
            }
            groups
        }
        // No default VPC: then there is no dwh group either.
        None => match ec2::default_vpc(aws).await {
            Ok(vpc) => ec2::find(aws, &ec2::group_name(&c.identifier), &vpc, c.port)
                .await?
                .into_iter()
                .collect(),
            Err(_) => Vec::new(),
        },
    };
    let bucket = bucket(aws, config, project).await?;
    Ok(Survey {
        role,
        cluster,
        groups,
        bucket,
    })
}

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
