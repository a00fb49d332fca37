//! What `dwh status` shows, worked out from the survey without any I/O:
//! one row per resource, and the exit code.

use crate::aws::ec2::{self, GroupState};
use crate::aws::iam::{RoleState, POLICY_NAME};
use crate::aws::layout::Layout;
use crate::aws::redshift::ClusterState;
use crate::config::DwhConfig;
use crate::survey::{Bucket, Folder, Survey};
use dwh_core::report::bytes;

/// Exit code when the cluster is missing or not available (as `dwh local
/// status` uses for an engine that is not running).
pub const NOT_AVAILABLE: u8 = 3;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub resource: &'static str,
    pub name: String,
    pub state: String,
    pub detail: String,
}

impl Row {
    fn new(resource: &'static str, name: &str, state: &str, detail: impl Into<String>) -> Row {
        Row {
            resource,
            name: name.to_owned(),
            state: state.to_owned(),
            detail: detail.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub rows: Vec<Row>,
    /// 0 when the cluster is available, `NOT_AVAILABLE` otherwise.
    pub exit: u8,
}

pub fn plan(survey: &Survey, config: &DwhConfig) -> Report {
    let c = &config.cluster;
    let mut rows = vec![role_row(survey.role.as_ref(), &config.iam.role_name)];
    rows.push(match &survey.cluster {
        None => Row::new("Redshift cluster", &c.identifier, "missing", ""),
        Some(cl) => cluster_row(cl, config),
    });
    let groups = survey.cluster_groups();
    if groups.is_empty() {
        rows.push(Row::new(
            "security group",
            &ec2::group_name(&c.identifier),
            "missing",
            "",
        ));
    }
    rows.extend(groups.into_iter().map(|g| group_row(g, c.port)));
    rows.extend(survey.bucket.as_ref().map(|b| bucket_row(b, config)));
    let available = survey
        .cluster
        .as_ref()
        .is_some_and(ClusterState::is_available);
    Report {
        rows,
        exit: if available { 0 } else { NOT_AVAILABLE },
    }
}

fn role_row(role: Option<&RoleState>, role_name: &str) -> Row {
    let Some(r) = role else {
        return Row::new("IAM role", role_name, "missing", "");
    };
    let mut detail = vec![r.arn.clone()];
    if !r.trusts_redshift {
        detail.push("NOT assumable by Redshift".into());
    }
    detail.push(if r.policy_current {
        format!("policy `{POLICY_NAME}` current")
    } else {
        format!("policy `{POLICY_NAME}` missing or stale")
    });
    if !r.managed_policies.is_empty() {
        detail.push(format!("also: {}", r.managed_policies.join(", ")));
    }
    Row::new("IAM role", role_name, "exists", detail.join("; "))
}

fn cluster_row(cl: &ClusterState, config: &DwhConfig) -> Row {
    let role_name = &config.iam.role_name;
    let mut detail = vec![
        format!("{} × {} ({} slices)", cl.nodes, cl.node_type, cl.slices()),
        if cl.publicly_accessible {
            "PUBLIC"
        } else {
            "private"
        }
        .to_owned(),
        if cl.encrypted {
            "encrypted"
        } else {
            "NOT encrypted"
        }
        .to_owned(),
    ];
    if let Some((host, port)) = &cl.endpoint {
        detail.push(format!("{host}:{port}"));
    }
    if !cl.has_role(role_name) {
        detail.push(format!("role `{role_name}` not attached"));
    }
    Row::new(
        "Redshift cluster",
        &config.cluster.identifier,
        &cl.status,
        detail.join("; "),
    )
}

fn group_row(g: &GroupState, port: u16) -> Row {
    let ingress = if g.ingress.is_empty() {
        format!("tcp/{port}: no ingress")
    } else {
        let cidrs: Vec<String> = g
            .ingress
            .iter()
            .map(|r| {
                let public = if r.cidr.ends_with("/0") {
                    " (PUBLIC)"
                } else {
                    ""
                };
                format!("{}{public}", r.cidr)
            })
            .collect();
        format!("tcp/{port} from {}", cidrs.join(", "))
    };
    Row::new(
        "security group",
        &g.name,
        "exists",
        format!("{} in {}; {ingress}", g.id, g.vpc_id),
    )
}

fn bucket_row(bucket: &Bucket, config: &DwhConfig) -> Row {
    let name = config.s3.bucket.as_str();
    match bucket {
        Bucket::NotConfigured => Row::new(
            "S3 bucket",
            "-",
            "not configured",
            "set s3.bucket or DWH_BUCKET",
        ),
        Bucket::Missing => Row::new("S3 bucket", name, "missing", "created by `dwh upload`"),
        Bucket::Foreign => Row::new("S3 bucket", name, "not yours", "owned by another account"),
        Bucket::Usable(folders) => {
            let layout = Layout::new(name, &config.s3.prefix);
            let detail: Vec<String> = folders.iter().map(|f| folder(&layout, f)).collect();
            Row::new(
                "S3 bucket",
                name,
                "exists",
                format!("{}: {}", layout.root_uri(), detail.join("; ")),
            )
        }
    }
}

/// `DIR: N parts, SIZE, manifest`: only the upload's parts count, not other
/// objects a person left below the folder.
fn folder(layout: &Layout, f: &Folder) -> String {
    let parts: Vec<_> = f
        .objects
        .iter()
        .filter(|o| layout.is_part_key(&f.dir, &o.key))
        .collect();
    format!(
        "{}: {} parts, {}{}",
        f.dir,
        parts.len(),
        bytes(parts.iter().map(|p| p.size).sum()),
        if f.manifest {
            ", manifest"
        } else {
            ", no manifest"
        }
    )
}
