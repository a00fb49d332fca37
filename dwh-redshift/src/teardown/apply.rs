//! Runs a teardown plan's operations in order (the AWS deletes).

use std::time::Duration;

use super::plan::Op;
use crate::aws::ec2::{self, Cidr};
use crate::aws::plan::Plan;
use crate::aws::{iam, redshift, Aws};
use crate::config::DwhConfig;

pub async fn apply(
    aws: &Aws,
    config: &DwhConfig,
    plan: &Plan<Op>,
    timeout: Duration,
) -> anyhow::Result<()> {
    for op in plan.ops() {
        run_op(aws, config, op, timeout).await?;
    }
    Ok(())
}

async fn run_op(aws: &Aws, config: &DwhConfig, op: &Op, timeout: Duration) -> anyhow::Result<()> {
    let id = &config.cluster.identifier;
    let role_name = &config.iam.role_name;
    match op {
        Op::Revoke { group, cidr, port } => {
            let parsed: Cidr = cidr.parse()?;
            if ec2::revoke(aws, group, *port, &parsed).await? {
                eprintln!("✔ closed tcp/{port} to {cidr} on {group}");
            }
        }
        Op::DeleteCluster { snapshot } => {
            if redshift::delete(aws, id, snapshot.as_deref()).await? {
                eprintln!(
                    "✔ cluster `{id}` is being deleted{}",
                    snapshot
                        .as_ref()
                        .map(|s| format!(" (final snapshot `{s}`)"))
                        .unwrap_or_default()
                );
            }
            wait_gone(aws, id, timeout).await?;
        }
        Op::AwaitClusterGone => wait_gone(aws, id, timeout).await?,
        Op::DeleteGroup { id, name } => {
            if ec2::delete(aws, id, timeout).await? {
                eprintln!("✔ deleted security group {name} ({id})");
            }
        }
        Op::DeleteRole => {
            if iam::delete(aws, role_name).await? {
                eprintln!("✔ deleted IAM role `{role_name}` (policies detached and deleted first)");
            }
        }
    }
    Ok(())
}

async fn wait_gone(aws: &Aws, id: &str, timeout: Duration) -> anyhow::Result<()> {
    redshift::wait_deleted(aws, id, timeout).await?;
    eprintln!("✔ cluster `{id}` is gone");
    Ok(())
}
