//! What teardown will delete, worked out from the survey without any I/O.
//! Order: the ingress rules first (close the door before the slow cluster
//! delete), the cluster, dwh's own group, the role. The bucket is kept.

use crate::aws::ec2;
use crate::aws::plan::{Action, Plan};
use crate::aws::redshift::ClusterState;
use crate::config::DwhConfig;

use crate::survey::Survey;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// A rule dwh added (by its description) on `group`.
    Revoke {
        group: String,
        cidr: String,
        port: u16,
    },
    /// Delete the cluster (with a final snapshot unless `None`) and wait.
    DeleteCluster {
        snapshot: Option<String>,
    },
    /// A delete already under way: only wait for it.
    AwaitClusterGone,
    DeleteGroup {
        id: String,
        name: String,
    },
    DeleteRole,
}

/// `snapshot`: the final snapshot's identifier, `None` for none.
pub fn plan(survey: &Survey, config: &DwhConfig, snapshot: Option<&str>) -> Plan<Op> {
    let id = &config.cluster.identifier;
    let role_name = config.iam.role_name.as_str();
    let port = survey.port;
    let mut plan = Plan::default();
    // Only the rules dwh added: a rule a person added to an adopted group
    // is theirs.
    for g in &survey.groups {
        for rule in g.ingress.iter().filter(|r| r.added_by_dwh()) {
            plan.add_op(
                Action::Delete,
                "ingress rule",
                rule.cidr.clone(),
                format!("tcp/{port} on {}", g.id),
                Op::Revoke {
                    group: g.id.clone(),
                    cidr: rule.cidr.clone(),
                    port,
                },
            );
        }
    }
    cluster_step(&mut plan, survey.cluster.as_ref(), id, snapshot);
    let ours = ec2::group_name(id);
    match survey.groups.iter().find(|g| g.name == ours) {
        Some(g) => plan.add_op(
            Action::Delete,
            "security group",
            &g.name,
            g.id.clone(),
            Op::DeleteGroup {
                id: g.id.clone(),
                name: g.name.clone(),
            },
        ),
        None => plan.add(Action::Keep, "security group", &ours, "absent"),
    }
    match &survey.role {
        Some(r) => plan.add_op(
            Action::Delete,
            "IAM role",
            role_name,
            r.arn.clone(),
            Op::DeleteRole,
        ),
        None => plan.add(Action::Keep, "IAM role", role_name, "absent"),
    }
    if !config.s3.bucket.is_empty() {
        plan.note(format!(
            "bucket s3://{} is kept: it holds your data (delete it with `aws s3 rb --force`)",
            config.s3.bucket
        ));
    }
    plan
}

/// Delete the cluster, or wait for a delete already under way.
fn cluster_step(
    plan: &mut Plan<Op>,
    cluster: Option<&ClusterState>,
    id: &str,
    snapshot: Option<&str>,
) {
    match cluster {
        Some(cl) if cl.status == "deleting" => plan.add_op(
            Action::Keep,
            "Redshift cluster",
            id,
            "already being deleted; will wait",
            Op::AwaitClusterGone,
        ),
        Some(cl) => plan.add_op(
            Action::Delete,
            "Redshift cluster",
            id,
            match snapshot {
                Some(s) => format!("{} × {}; final snapshot `{s}`", cl.nodes, cl.node_type),
                None => format!(
                    "{} × {}; NO final snapshot: its data is lost",
                    cl.nodes, cl.node_type
                ),
            },
            Op::DeleteCluster {
                snapshot: snapshot.map(str::to_owned),
            },
        ),
        None => plan.add(Action::Keep, "Redshift cluster", id, "absent"),
    }
}
