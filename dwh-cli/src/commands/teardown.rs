//! `dwh teardown`: closes the port, deletes the cluster (final snapshot
//! unless `--skip-final-snapshot`) and waits, then deletes dwh's security
//! group and the IAM role. Planned first and confirmed unless `--yes`;
//! re-running finishes a teardown that stopped half-way. The data bucket is
//! kept.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::bail;

use crate::aws::ec2::{self, Cidr, GroupState};
use crate::aws::plan::{Action, Plan};
use crate::aws::{iam, redshift};
use crate::cli::TeardownArgs;

/// Asks for `yes` on the terminal; refuses when there is none to ask.
fn confirm(question: &str) -> anyhow::Result<bool> {
    if !std::io::stdin().is_terminal() {
        bail!("refusing to delete without confirmation: no terminal to ask on; pass --yes");
    }
    eprint!("{question} Only 'yes' will be accepted: ");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(answer.trim() == "yes")
}

pub async fn run(args: &TeardownArgs, project: &dwh_core::Project) -> anyhow::Result<ExitCode> {
    let (config, aws) = super::config::load(&args.aws, project).await?;
    let c = &config.cluster;
    let role_name = &config.iam.role_name;
    let ours = ec2::group_name(&c.identifier);

    let cluster = redshift::describe(&aws, &c.identifier).await?;
    let port = cluster
        .as_ref()
        .and_then(|cl| cl.endpoint.as_ref().map(|(_, p)| *p))
        .unwrap_or(c.port);
    let mut groups: Vec<GroupState> = Vec::new();
    for id in cluster.iter().flat_map(|cl| &cl.security_groups) {
        groups.extend(ec2::describe(&aws, id, port).await?);
    }
    if !groups.iter().any(|g| g.name == ours) {
        let vpc = match cluster.as_ref().and_then(|cl| cl.vpc_id.clone()) {
            Some(vpc) => Some(vpc),
            None => ec2::default_vpc(&aws).await.ok(),
        };
        if let Some(vpc) = vpc {
            groups.extend(ec2::find(&aws, &ours, &vpc, port).await?);
        }
    }
    let policy = iam::s3_read_policy(
        iam::partition(&aws.region),
        &config.s3.bucket,
        &config.s3.prefix,
    );
    let role = iam::describe(&aws, role_name, &policy).await?;

    let snapshot = (!args.skip_final_snapshot).then(|| {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        redshift::final_snapshot_id(&c.identifier, now)
    });
    let mut plan = Plan::default();
    // Only the rules dwh added (by their description): a rule a person
    // added to an adopted group is theirs.
    let rules: Vec<(String, String)> = groups
        .iter()
        .flat_map(|g| {
            g.ingress
                .iter()
                .filter(|r| r.added_by_dwh())
                .map(|r| (g.id.clone(), r.cidr.clone()))
        })
        .collect();
    for (group, cidr) in &rules {
        plan.add(
            Action::Delete,
            "ingress rule",
            cidr.clone(),
            format!("tcp/{port} on {group}"),
        );
    }
    match &cluster {
        Some(cl) if cl.status == "deleting" => plan.add(
            Action::Keep,
            "Redshift cluster",
            &c.identifier,
            "already being deleted; will wait",
        ),
        Some(cl) => plan.add(
            Action::Delete,
            "Redshift cluster",
            &c.identifier,
            match &snapshot {
                Some(s) => format!("{} × {}; final snapshot `{s}`", cl.nodes, cl.node_type),
                None => format!(
                    "{} × {}; NO final snapshot: its data is lost",
                    cl.nodes, cl.node_type
                ),
            },
        ),
        None => plan.add(Action::Keep, "Redshift cluster", &c.identifier, "absent"),
    }
    let our_group = groups.iter().find(|g| g.name == ours);
    match our_group {
        Some(g) => plan.add(Action::Delete, "security group", &g.name, g.id.clone()),
        None => plan.add(Action::Keep, "security group", &ours, "absent"),
    }
    match &role {
        Some(r) => plan.add(
            Action::Delete,
            "IAM role",
            role_name.as_str(),
            r.arn.clone(),
        ),
        None => plan.add(Action::Keep, "IAM role", role_name.as_str(), "absent"),
    }
    if !config.s3.bucket.is_empty() {
        plan.note(format!(
            "bucket s3://{} is kept: it holds your data (delete it with `aws s3 rb --force`)",
            config.s3.bucket
        ));
    }
    plan.print(&format!("Teardown plan for {}:", aws.region));
    let waiting = cluster.as_ref().is_some_and(|cl| cl.status == "deleting");
    if !plan.changes() && !waiting {
        println!("nothing to tear down");
        return Ok(ExitCode::SUCCESS);
    }
    if !args.yes && !confirm("Delete these resources?")? {
        println!("teardown cancelled; nothing changed");
        return Ok(ExitCode::from(1));
    }

    // Close the door first: the rules go before the (slow) cluster delete.
    for (group, cidr) in &rules {
        let parsed: Cidr = cidr.parse()?;
        if ec2::revoke(&aws, group, port, &parsed).await? {
            eprintln!("✔ closed tcp/{port} to {cidr} on {group}");
        }
    }
    let timeout = Duration::from_secs(args.timeout * 60);
    if cluster.is_some() {
        if !waiting && redshift::delete(&aws, &c.identifier, snapshot.as_deref()).await? {
            eprintln!(
                "✔ cluster `{}` is being deleted{}",
                c.identifier,
                snapshot
                    .as_ref()
                    .map(|s| format!(" (final snapshot `{s}`)"))
                    .unwrap_or_default()
            );
        }
        redshift::wait_deleted(&aws, &c.identifier, timeout).await?;
        eprintln!("✔ cluster `{}` is gone", c.identifier);
    }
    if let Some(g) = our_group {
        if ec2::delete(&aws, &g.id, timeout).await? {
            eprintln!("✔ deleted security group {} ({})", g.name, g.id);
        }
    }
    if iam::delete(&aws, role_name).await? {
        eprintln!("✔ deleted IAM role `{role_name}` (policies detached and deleted first)");
    }
    println!("✔ teardown complete");
    Ok(ExitCode::SUCCESS)
}
