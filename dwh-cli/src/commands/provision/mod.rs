//! `dwh provision`: the IAM role, the security group, an optional ingress
//! rule and the cluster, planned first, then created or adopted. Every step
//! is idempotent, so running it again after a failure (or a timeout while
//! waiting) picks up where it stopped.
//!
//! Three stages, in dwh-redshift: `survey` reads what exists, `plan`
//! (pure) decides what to do about it, `apply` does it; this prints the
//! plan and what was made.

use std::process::ExitCode;
use std::time::Duration;

use dwh_redshift::aws::ec2::Cidr;
use dwh_redshift::aws::iam;
use dwh_redshift::aws::redshift::ClusterState;
use dwh_redshift::provision::apply::{self, Applied};
use dwh_redshift::provision::plan;
use dwh_redshift::survey::Survey;
use dwh_redshift::DwhConfig;

use super::aws_plan::print_plan;
use crate::cli::ProvisionArgs;
use crate::commands::config::Cloud;
use crate::ui;

pub async fn run(args: &ProvisionArgs, (config, aws): &Cloud) -> anyhow::Result<ExitCode> {
    // Configuration mistakes are named before any AWS call.
    config.bucket()?;
    let cidr = plan::allowed_cidr(config)?;
    let policy = iam::s3_read_policy(
        iam::partition(&aws.region),
        &config.s3.bucket,
        &config.s3.prefix,
    );

    let bar = ui::spinner(format!("reading what exists in {}", aws.region));
    let survey = Survey::read(aws, config, &policy, None).await?;
    bar.finish_and_clear();

    let plan = plan::plan(&survey, config, cidr)?;
    print_plan(
        &plan,
        &format!(
            "Provisioning plan for {} (config {}):",
            aws.region,
            args.aws.config.display()
        ),
    );
    if args.plan {
        println!("--plan: nothing changed");
        return Ok(ExitCode::SUCCESS);
    }
    if !plan.changes() {
        println!("nothing to create: every resource exists");
    }
    let timeout = Duration::from_secs(args.timeout * 60);
    let (ready, done) = apply::apply(aws, config, &policy, &plan, timeout).await?;
    print_summary(config, &ready, &done, cidr)?;
    Ok(ExitCode::SUCCESS)
}

fn print_summary(
    config: &DwhConfig,
    ready: &ClusterState,
    done: &Applied,
    cidr: Option<Cidr>,
) -> anyhow::Result<()> {
    let c = &config.cluster;
    let endpoint = ready
        .endpoint
        .as_ref()
        .map(|(host, port)| format!("{host}:{port}"))
        .unwrap_or_else(|| "(none yet)".into());
    println!("✔ cluster `{}` is available", c.identifier);
    println!("  endpoint        {endpoint}");
    println!("  database        {} (user {})", ready.database, ready.user);
    println!("  IAM role        {}", done.role_arn()?);
    println!(
        "  security group  {} ({})",
        done.group()?.id,
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
    Ok(())
}
