//! Runs a provisioning plan's operations in order (the AWS writes), saying
//! each, then waits for the cluster.

use std::time::Duration;

use anyhow::Context;
use serde_json::Value;

use super::plan::Op;
use crate::aws::ec2::{self, GroupState};
use crate::aws::iam::{self, POLICY_NAME};
use crate::aws::plan::Plan;
use crate::aws::redshift::{self, ClusterState, NewCluster};
use crate::aws::Aws;
use crate::config::DwhConfig;

/// What the operations so far have made or adopted, which later ones use.
#[derive(Debug, Default)]
pub struct Applied {
    role_arn: Option<String>,
    group: Option<GroupState>,
}

impl Applied {
    /// The role the cluster assumes.
    pub fn role_arn(&self) -> anyhow::Result<&str> {
        self.role_arn
            .as_deref()
            .context("the plan has no IAM role step before the cluster")
    }

    /// The cluster's security group.
    pub fn group(&self) -> anyhow::Result<&GroupState> {
        self.group
            .as_ref()
            .context("the plan has no security group step before the ingress rule and cluster")
    }
}

/// Applies `plan`'s operations in order, then waits up to `timeout` for
/// the cluster: the cluster available, and the role and group it uses.
pub async fn apply(
    aws: &Aws,
    config: &DwhConfig,
    policy: &Value,
    plan: &Plan<Op>,
    timeout: Duration,
) -> anyhow::Result<(ClusterState, Applied)> {
    let mut done = Applied::default();
    for op in plan.ops() {
        run_op(aws, config, policy, op, &mut done).await?;
    }
    let id = &config.cluster.identifier;
    let ready = redshift::wait_available(aws, id, timeout).await?;
    Ok((ready, done))
}

async fn run_op(
    aws: &Aws,
    config: &DwhConfig,
    policy: &Value,
    op: &Op,
    done: &mut Applied,
) -> anyhow::Result<()> {
    let c = &config.cluster;
    let role_name = &config.iam.role_name;
    match op {
        Op::CreateRole => {
            let arn = iam::create(aws, role_name).await?;
            eprintln!("✔ created IAM role {arn}");
            done.role_arn = Some(arn);
        }
        Op::AdoptRole { arn } => done.role_arn = Some(arn.clone()),
        Op::PutPolicy => {
            iam::put_policy(aws, role_name, policy).await?;
            eprintln!(
                "✔ wrote inline policy `{POLICY_NAME}` (read-only, s3://{})",
                config.s3.bucket
            );
        }
        Op::CreateGroup { vpc } => {
            let g = ec2::create(aws, &c.identifier, vpc, c.port).await?;
            eprintln!("✔ created security group {} ({}) in {vpc}", g.name, g.id);
            done.group = Some(g);
        }
        Op::AdoptGroup(g) => done.group = Some(g.clone()),
        Op::OpenPort(cidr) => {
            let group = &done.group()?.id;
            if ec2::authorize(aws, group, c.port, cidr).await? {
                eprintln!("✔ opened tcp/{} to {cidr} on {group}", c.port);
            }
        }
        Op::CreateCluster => create_cluster(aws, config, done).await?,
        Op::AttachRole => {
            redshift::add_role(aws, &c.identifier, done.role_arn()?).await?;
            eprintln!("✔ attached `{role_name}` to cluster `{}`", c.identifier);
        }
    }
    Ok(())
}

async fn create_cluster(aws: &Aws, config: &DwhConfig, done: &Applied) -> anyhow::Result<()> {
    let c = &config.cluster;
    let password = redshift::password_from_env();
    let managed = password.is_none();
    redshift::create(
        aws,
        NewCluster {
            config: c,
            role_arn: done.role_arn()?,
            security_group: &done.group()?.id,
            password,
        },
    )
    .await?;
    eprintln!("✔ cluster `{}` is being created", c.identifier);
    if managed {
        eprintln!(
            "    its admin password is generated and kept by AWS Secrets Manager; dwh logs in \
             with temporary IAM credentials (or set {})",
            crate::config::PASSWORD_ENV
        );
    }
    Ok(())
}
