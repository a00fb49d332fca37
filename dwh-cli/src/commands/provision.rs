//! `dwh provision`: the IAM role, the security group, an optional ingress
//! rule and the cluster, planned first, then created or adopted. Every step
//! is idempotent, so running it again after a failure (or a timeout while
//! waiting) picks up where it stopped.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context};

use crate::aws::ec2::{self, Cidr};
use crate::aws::iam::{self, POLICY_NAME};
use crate::aws::plan::{Action, Plan};
use crate::aws::redshift::{self, ClusterState, NewCluster};
use crate::cli::ProvisionArgs;
use crate::ui;

/// Whether the cluster has the role called `name` attached.
pub fn has_role(cluster: &ClusterState, name: &str) -> bool {
    let suffix = format!("/{name}");
    cluster.iam_roles.iter().any(|arn| arn.ends_with(&suffix))
}

/// Which security group carries the ingress rule: dwh's own for a cluster
/// it creates; an adopted cluster's own (first) group otherwise.
enum Group {
    Existing(ec2::GroupState),
    New,
}

pub async fn run(args: &ProvisionArgs, project: &dwh_core::Project) -> anyhow::Result<ExitCode> {
    let (config, aws) = super::config::load(&args.aws, project).await?;
    let bucket = config.bucket()?.to_owned();
    let c = &config.cluster;
    let role_name = config.iam.role_name.as_str();
    let prefix = &config.s3.prefix;
    let policy = iam::s3_read_policy(iam::partition(&aws.region), &bucket, prefix);
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

    let bar = ui::spinner(format!("reading what exists in {}", aws.region));
    let role = iam::describe(&aws, role_name, &policy).await?;
    let cluster = redshift::describe(&aws, &c.identifier).await?;
    let group = match &cluster {
        Some(cluster) => match cluster.security_groups.first() {
            Some(id) => {
                let state = ec2::describe(&aws, id, c.port).await?;
                Group::Existing(state.with_context(|| {
                    format!(
                        "cluster `{}` names security group {id}, which does not exist",
                        c.identifier
                    )
                })?)
            }
            None => bail!(
                "cluster `{}` has no VPC security group, so dwh cannot manage its network access",
                c.identifier
            ),
        },
        None => {
            let vpc = ec2::default_vpc(&aws).await?;
            match ec2::find(&aws, &ec2::group_name(&c.identifier), &vpc, c.port).await? {
                Some(g) => Group::Existing(g),
                None => Group::New,
            }
        }
    };
    bar.finish_and_clear();

    let mut plan = Plan::default();
    match &role {
        None => plan.add(
            Action::Create,
            "IAM role",
            role_name,
            "assumable by redshift.amazonaws.com only",
        ),
        Some(r) if !r.trusts_redshift => bail!(
            "IAM role `{role_name}` exists, but its trust policy does not let Redshift assume it; \
             set iam.role_name to a new name, or add redshift.amazonaws.com to its trust policy"
        ),
        Some(r) => plan.add(Action::Adopt, "IAM role", role_name, r.arn.clone()),
    }
    let policy_detail = format!(
        "s3:GetObject on s3://{bucket}/{}*, s3:ListBucket on the bucket",
        if prefix.is_empty() {
            String::new()
        } else {
            format!("{prefix}/")
        }
    );
    let policy_action = match &role {
        Some(r) if r.policy_current => Action::Keep,
        Some(_) => Action::Update,
        None => Action::Create,
    };
    plan.add(
        policy_action,
        "IAM inline policy",
        POLICY_NAME,
        policy_detail,
    );
    for managed in role.iter().flat_map(|r| &r.managed_policies) {
        plan.note(format!(
            "role `{role_name}` also has the managed policy {managed}, which dwh leaves alone; \
             detach it if it grants more than this bucket"
        ));
    }
    let group_name = ec2::group_name(&c.identifier);
    match &group {
        Group::New => plan.add(
            Action::Create,
            "security group",
            &group_name,
            "in the default VPC, no ingress",
        ),
        Group::Existing(g) => plan.add(Action::Adopt, "security group", &g.name, g.id.clone()),
    }
    match (cidr, &group) {
        (Some(cidr), Group::Existing(g))
            if g.ingress.iter().any(|r| r.cidr == cidr.to_string()) =>
        {
            plan.add(
                Action::Keep,
                "ingress rule",
                cidr.to_string(),
                format!("tcp/{}", c.port),
            )
        }
        (Some(cidr), _) => plan.add(
            Action::Create,
            "ingress rule",
            cidr.to_string(),
            format!("tcp/{}", c.port),
        ),
        (None, _) => plan.note(format!(
            "port {} stays closed to the internet (no network.allowed_cidr); reach a private \
             cluster through a tunnel, or use `dwh open-port --cidr`",
            c.port
        )),
    }
    match &cluster {
        None => plan.add(
            Action::Create,
            "Redshift cluster",
            &c.identifier,
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
            ),
        ),
        Some(cluster) => {
            if let Err(message) = redshift::available_poll(&cluster.status) {
                bail!("cluster `{}`: {message}", c.identifier);
            }
            plan.add(
                Action::Adopt,
                "Redshift cluster",
                &c.identifier,
                format!(
                    "{} ({} × {})",
                    cluster.status, cluster.nodes, cluster.node_type
                ),
            );
            if !has_role(cluster, role_name) {
                plan.add(
                    Action::Update,
                    "cluster IAM roles",
                    &c.identifier,
                    format!("attach `{role_name}`"),
                );
            }
            if cluster.publicly_accessible && !c.publicly_accessible {
                plan.note(format!(
                    "cluster `{}` is publicly accessible although dwh.toml says private; dwh \
                     does not change an adopted cluster",
                    c.identifier
                ));
            }
            if !cluster.encrypted {
                plan.note(format!(
                    "cluster `{}` is not encrypted at rest",
                    c.identifier
                ));
            }
            if cluster.node_type != c.node_type || cluster.nodes != c.nodes.max(1) {
                plan.note(format!(
                    "cluster `{}` is {} × {}, dwh.toml says {} × {}; dwh does not resize an adopted cluster",
                    c.identifier, cluster.nodes, cluster.node_type, c.nodes, c.node_type
                ));
            }
        }
    }
    plan.print(&format!(
        "Provisioning plan for {} (config {}):",
        aws.region,
        args.aws.config.display()
    ));
    if args.plan {
        println!("--plan: nothing changed");
        return Ok(ExitCode::SUCCESS);
    }
    if !plan.changes() {
        println!("nothing to create: every resource exists");
    }

    // Apply, in dependency order: role → policy → group → rule → cluster.
    let role_arn = match &role {
        Some(r) => r.arn.clone(),
        None => {
            let arn = iam::create(&aws, role_name).await?;
            eprintln!("✔ created IAM role {arn}");
            arn
        }
    };
    if policy_action != Action::Keep {
        iam::put_policy(&aws, role_name, &policy).await?;
        eprintln!("✔ wrote inline policy `{POLICY_NAME}` (read-only, s3://{bucket})");
    }
    let group = match group {
        Group::Existing(g) => g,
        Group::New => {
            let vpc = ec2::default_vpc(&aws).await?;
            let g = ec2::create(&aws, &c.identifier, &vpc, c.port).await?;
            eprintln!("✔ created security group {} ({}) in {vpc}", g.name, g.id);
            g
        }
    };
    if let Some(cidr) = cidr {
        if ec2::authorize(&aws, &group.id, c.port, &cidr).await? {
            eprintln!("✔ opened tcp/{} to {cidr} on {}", c.port, group.id);
        }
    }
    match &cluster {
        None => {
            let password = redshift::password_from_env();
            let managed = password.is_none();
            redshift::create(
                &aws,
                NewCluster {
                    config: c,
                    role_arn: &role_arn,
                    security_group: &group.id,
                    password,
                },
            )
            .await?;
            eprintln!("✔ cluster `{}` is being created", c.identifier);
            if managed {
                eprintln!(
                    "    its admin password is generated and kept by AWS Secrets Manager; dwh logs \
                     in with temporary IAM credentials (or set {})",
                    crate::config::PASSWORD_ENV
                );
            }
        }
        Some(cluster) if !has_role(cluster, role_name) => {
            redshift::add_role(&aws, &c.identifier, &role_arn).await?;
            eprintln!("✔ attached `{role_name}` to cluster `{}`", c.identifier);
        }
        Some(_) => {}
    }
    let ready =
        redshift::wait_available(&aws, &c.identifier, Duration::from_secs(args.timeout * 60))
            .await?;
    let endpoint = ready
        .endpoint
        .as_ref()
        .map(|(host, port)| format!("{host}:{port}"))
        .unwrap_or_else(|| "(none yet)".into());
    println!("✔ cluster `{}` is available", c.identifier);
    println!("  endpoint        {endpoint}");
    println!("  database        {} (user {})", ready.database, ready.user);
    println!("  IAM role        {role_arn}");
    println!(
        "  security group  {} ({})",
        group.id,
        match cidr {
            Some(cidr) => format!("tcp/{} open to {cidr}", c.port),
            None => "no ingress".into(),
        }
    );
    println!(
        "  slices          {} (upload splits data into a multiple of this)",
        ready.slices()
    );
    println!("next: dwh upload --data DIR, then dwh all --target redshift");
    Ok(ExitCode::SUCCESS)
}
