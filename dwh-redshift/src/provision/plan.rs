//! What provisioning will do, worked out from the survey without any I/O:
//! create what is missing, adopt what exists, update what is stale, and
//! refuse what dwh cannot safely use.

use anyhow::{bail, Context};

use crate::aws::ec2::{self, Cidr, GroupState};
use crate::aws::iam::{RoleState, POLICY_NAME};
use crate::aws::plan::{Action, Plan};
use crate::aws::redshift::{self, ClusterState};
use crate::config::DwhConfig;
use crate::survey::{Group, Survey};

/// What applying one step does, in dependency order: role → policy →
/// group → rule → cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    CreateRole,
    AdoptRole { arn: String },
    PutPolicy,
    CreateGroup { vpc: String },
    AdoptGroup(GroupState),
    OpenPort(Cidr),
    CreateCluster,
    AttachRole,
}

/// `network.allowed_cidr`, parsed; the whole internet is refused here
/// (`dwh open-port --allow-public` is the deliberate way to open it).
pub fn allowed_cidr(config: &DwhConfig) -> anyhow::Result<Option<Cidr>> {
    let cidr: Option<Cidr> = config
        .network
        .allowed_cidr
        .as_deref()
        .map(str::parse)
        .transpose()
        .context("network.allowed_cidr in dwh.toml")?;
    if let Some(cidr) = cidr.filter(Cidr::is_everyone) {
        bail!(
            "network.allowed_cidr is {cidr}, the whole internet; provision never opens that. Set \
             your own network (e.g. 203.0.113.0/24), or if you really mean it run \
             `dwh open-port --cidr {cidr} --allow-public`"
        );
    }
    Ok(cidr)
}

/// The plan for `survey`; an error for what dwh cannot adopt.
pub fn plan(survey: &Survey, config: &DwhConfig, cidr: Option<Cidr>) -> anyhow::Result<Plan<Op>> {
    let id = &config.cluster.identifier;
    let group = survey.group(config)?;
    match &group {
        Group::Dangling(group) => {
            bail!("cluster `{id}` names security group {group}, which does not exist")
        }
        Group::NoneOnCluster => bail!(
            "cluster `{id}` has no VPC security group, so dwh cannot manage its network access"
        ),
        Group::Found(_) | Group::Absent { .. } => {}
    }
    let mut plan = Plan::default();
    role_steps(&mut plan, survey.role.as_ref(), config)?;
    group_steps(&mut plan, &group, cidr, config);
    match &survey.cluster {
        None => plan.add_op(
            Action::Create,
            "Redshift cluster",
            id,
            new_cluster_detail(config),
            Op::CreateCluster,
        ),
        Some(cluster) => adopt_cluster(&mut plan, cluster, config)?,
    }
    Ok(plan)
}

/// The IAM role, its inline S3 read policy, and notes on the managed
/// policies dwh leaves alone.
fn role_steps(
    plan: &mut Plan<Op>,
    role: Option<&RoleState>,
    config: &DwhConfig,
) -> anyhow::Result<()> {
    let role_name = config.iam.role_name.as_str();
    role_step(plan, role, role_name)?;
    policy_step(plan, role, config);
    for managed in role.iter().flat_map(|r| &r.managed_policies) {
        plan.note(format!(
            "role `{role_name}` also has the managed policy {managed}, which dwh leaves alone; \
             detach it if it grants more than this bucket"
        ));
    }
    Ok(())
}

/// Creates the role or adopts it; refuses one Redshift may not assume,
/// since the cluster could never read S3 through it.
fn role_step(plan: &mut Plan<Op>, role: Option<&RoleState>, role_name: &str) -> anyhow::Result<()> {
    match role {
        None => plan.add_op(
            Action::Create,
            "IAM role",
            role_name,
            "assumable by redshift.amazonaws.com only",
            Op::CreateRole,
        ),
        Some(r) if !r.trusts_redshift => bail!(
            "IAM role `{role_name}` exists, but its trust policy does not let Redshift assume it; \
             set iam.role_name to a new name, or add redshift.amazonaws.com to its trust policy"
        ),
        Some(r) => plan.add_op(
            Action::Adopt,
            "IAM role",
            role_name,
            r.arn.clone(),
            Op::AdoptRole { arn: r.arn.clone() },
        ),
    }
    Ok(())
}

/// The inline S3 read policy: kept when current, otherwise (re)written,
/// so a changed bucket or prefix reaches the role.
fn policy_step(plan: &mut Plan<Op>, role: Option<&RoleState>, config: &DwhConfig) {
    let prefix = &config.s3.prefix;
    let detail = format!(
        "s3:GetObject on s3://{}/{}*, s3:ListBucket on the bucket",
        config.s3.bucket,
        if prefix.is_empty() {
            String::new()
        } else {
            format!("{prefix}/")
        }
    );
    match role {
        Some(r) if r.policy_current => {
            plan.add(Action::Keep, "IAM inline policy", POLICY_NAME, detail)
        }
        Some(_) => plan.add_op(
            Action::Update,
            "IAM inline policy",
            POLICY_NAME,
            detail,
            Op::PutPolicy,
        ),
        None => plan.add_op(
            Action::Create,
            "IAM inline policy",
            POLICY_NAME,
            detail,
            Op::PutPolicy,
        ),
    }
}

fn group_steps(plan: &mut Plan<Op>, group: &Group, cidr: Option<Cidr>, config: &DwhConfig) {
    let port = config.cluster.port;
    let existing = match group {
        Group::Found(g) => {
            plan.add_op(
                Action::Adopt,
                "security group",
                &g.name,
                g.id.clone(),
                Op::AdoptGroup(g.clone()),
            );
            Some(g)
        }
        Group::Absent { vpc } => {
            plan.add_op(
                Action::Create,
                "security group",
                ec2::group_name(&config.cluster.identifier),
                "in the default VPC, no ingress",
                Op::CreateGroup { vpc: vpc.clone() },
            );
            None
        }
        Group::Dangling(_) | Group::NoneOnCluster => None,
    };
    match cidr {
        Some(cidr)
            if existing.is_some_and(|g| g.ingress.iter().any(|r| r.cidr == cidr.to_string())) =>
        {
            plan.add(
                Action::Keep,
                "ingress rule",
                cidr.to_string(),
                format!("tcp/{port}"),
            )
        }
        Some(cidr) => plan.add_op(
            Action::Create,
            "ingress rule",
            cidr.to_string(),
            format!("tcp/{port}"),
            Op::OpenPort(cidr),
        ),
        None => plan.note(format!(
            "port {port} stays closed to the internet (no network.allowed_cidr); reach a private \
             cluster through a tunnel, or use `dwh open-port --cidr`"
        )),
    }
}

fn new_cluster_detail(config: &DwhConfig) -> String {
    let c = &config.cluster;
    format!(
        "{} × {}, database `{}`, user `{}`, encrypted, {}",
        c.nodes,
        c.node_type,
        c.database,
        c.user,
        if c.publicly_accessible {
            "publicly accessible"
        } else {
            "private"
        }
    )
}

/// An existing cluster is used as it is (dwh never resizes or reconfigures
/// it); only the role is attached. What differs from dwh.toml is noted.
fn adopt_cluster(
    plan: &mut Plan<Op>,
    cluster: &ClusterState,
    config: &DwhConfig,
) -> anyhow::Result<()> {
    let c = &config.cluster;
    let id = &c.identifier;
    let role_name = &config.iam.role_name;
    if let Err(message) = redshift::available_poll(&cluster.status) {
        bail!("cluster `{id}`: {message}");
    }
    let detail = format!(
        "{} ({} × {})",
        cluster.status, cluster.nodes, cluster.node_type
    );
    plan.add(Action::Adopt, "Redshift cluster", id, detail);
    if !cluster.has_role(role_name) {
        plan.add_op(
            Action::Update,
            "cluster IAM roles",
            id,
            format!("attach `{role_name}`"),
            Op::AttachRole,
        );
    }
    if cluster.publicly_accessible && !c.publicly_accessible {
        plan.note(format!(
            "cluster `{id}` is publicly accessible although dwh.toml says private; dwh does not \
             change an adopted cluster"
        ));
    }
    if !cluster.encrypted {
        plan.note(format!("cluster `{id}` is not encrypted at rest"));
    }
    if cluster.node_type != c.node_type || cluster.nodes != c.nodes.max(1) {
        plan.note(format!(
            "cluster `{id}` is {} × {}, dwh.toml says {} × {}; dwh does not resize an adopted cluster",
            cluster.nodes, cluster.node_type, c.nodes, c.node_type
        ));
    }
    Ok(())
}
