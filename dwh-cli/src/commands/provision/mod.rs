//! `dwh provision`: the IAM role, the security group, an optional ingress
//! rule and the cluster, planned first, then created or adopted. Every step
//! is idempotent, so running it again after a failure (or a timeout while
//! waiting) picks up where it stopped.
//!
//! Three stages: `survey` reads what exists, `plan` (pure) decides what to
//! do about it, `apply` does it.

mod apply;
mod plan;
mod survey;
#[cfg(test)]
mod tests;

use std::process::ExitCode;
use std::time::Duration;

use crate::aws::iam;
use crate::cli::ProvisionArgs;
use crate::ui;

pub async fn run(args: &ProvisionArgs, project: &dwh_core::Project) -> anyhow::Result<ExitCode> {
    let (config, aws) = super::config::load(&args.aws, project).await?;
    // Configuration mistakes are named before any AWS call.
    config.bucket()?;
    let cidr = plan::allowed_cidr(&config)?;
    let policy = iam::s3_read_policy(
        iam::partition(&aws.region),
        &config.s3.bucket,
        &config.s3.prefix,
    );

    let bar = ui::spinner(format!("reading what exists in {}", aws.region));
    let survey = survey::survey(&aws, &config, &policy).await?;
    bar.finish_and_clear();

    let plan = plan::plan(&survey, &config, cidr)?;
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
    let timeout = Duration::from_secs(args.timeout * 60);
    apply::apply(&aws, &config, &policy, &plan, cidr, timeout).await?;
    Ok(ExitCode::SUCCESS)
}
