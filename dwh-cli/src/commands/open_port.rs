//! `dwh open-port --cidr X`: lets one network reach the cluster port,
//! through the cluster's VPC security group. The whole internet only with
//! `--allow-public`, and with a warning.

use std::process::ExitCode;

use anyhow::{anyhow, bail};

use crate::aws::ec2::{self, Cidr};
use crate::aws::redshift::{self, ClusterState};
use crate::aws::Aws;
use crate::cli::OpenPortArgs;
use crate::commands::config::Cloud;

/// Refuses `0.0.0.0/0` and `::/0` unless explicitly allowed.
pub fn check_public(cidr: &Cidr, allow_public: bool) -> anyhow::Result<()> {
    if cidr.is_everyone() && !allow_public {
        bail!(
            "{cidr} is the whole internet: anyone could try passwords on the cluster, and AWS \
             Security Hub flags it as critical. Give your own network (e.g. your office's \
             203.0.113.0/24, or your address with /32), reach the cluster through a tunnel, or \
             pass --allow-public if you really mean it"
        );
    }
    Ok(())
}

pub async fn run(args: &OpenPortArgs, (config, aws): &Cloud) -> anyhow::Result<ExitCode> {
    // --cidr was parsed and checked with the arguments.
    let cidr: Cidr = match (&args.cidr, &config.network.allowed_cidr) {
        (Some(given), _) => *given,
        (None, Some(configured)) => {
            let cidr = configured.parse()?;
            check_public(&cidr, args.allow_public)?;
            cidr
        }
        (None, None) => {
            bail!("which network? pass --cidr (e.g. 203.0.113.0/24) or set network.allowed_cidr")
        }
    };
    let id = &config.cluster.identifier;
    let cluster = redshift::describe(aws, id).await?.ok_or_else(|| {
        anyhow!(
            "there is no cluster `{id}` in {}; run `dwh provision` first",
            aws.region
        )
    })?;
    let port = cluster
        .endpoint
        .as_ref()
        .map(|(_, port)| *port)
        .unwrap_or(config.cluster.port);
    let group = port_group(aws, id, &cluster, port).await?;
    if cidr.is_everyone() {
        warn_public(id, &cluster, port, &cidr);
    }
    if ec2::authorize(aws, &group.id, port, &cidr).await? {
        println!(
            "✔ tcp/{port} of cluster `{id}` is open to {cidr} (security group {})",
            group.id
        );
    } else {
        println!(
            "✔ tcp/{port} of cluster `{id}` was already open to {cidr} (security group {}); \
             nothing changed",
            group.id
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The security group to open the port in: dwh's own group when cluster
/// `id` has it, else the cluster's first.
async fn port_group(
    aws: &Aws,
    id: &str,
    cluster: &ClusterState,
    port: u16,
) -> anyhow::Result<ec2::GroupState> {
    let mut group = None;
    for gid in &cluster.security_groups {
        if let Some(g) = ec2::describe(aws, gid, port).await? {
            let ours = g.name == ec2::group_name(id);
            if ours || group.is_none() {
                group = Some(g);
            }
            if ours {
                break;
            }
        }
    }
    group.ok_or_else(|| {
        anyhow!("cluster `{id}` has no VPC security group; only a security group can open its port")
    })
}

/// Says loudly that `--allow-public` opens the port to everyone, and how to
/// close it again.
fn warn_public(id: &str, cluster: &ClusterState, port: u16, cidr: &Cidr) {
    eprintln!(
        "warning: opening tcp/{port} of cluster `{id}` to the whole internet ({cidr}) because of \
         --allow-public; close it again with `dwh teardown` or in the EC2 console"
    );
    if !cluster.publicly_accessible {
        eprintln!(
            "note: the cluster is not publicly accessible, so the rule only matters inside its VPC"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_internet_needs_the_flag() {
        let everyone: Cidr = "0.0.0.0/0".parse().unwrap();
        let e = check_public(&everyone, false).unwrap_err().to_string();
        assert!(e.contains("--allow-public"), "{e}");
        check_public(&everyone, true).unwrap();
        check_public(&"::/0".parse().unwrap(), false).unwrap_err();
        check_public(&"203.0.113.0/24".parse().unwrap(), false).unwrap();
    }
}
