//! `dwh teardown`: closes the port, deletes the cluster (final snapshot
//! unless `--skip-final-snapshot`) and waits, then deletes dwh's security
//! group and the IAM role. Planned first and confirmed unless `--yes`;
//! re-running finishes a teardown that stopped half-way. The data bucket is
//! kept.
//!
//! Three stages, in dwh-redshift: `survey` reads what exists, `plan`
//! (pure) decides what to delete, `apply` deletes it; this prints the plan
//! and asks first.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::bail;

use dwh_redshift::aws::{iam, redshift};
use dwh_redshift::survey::Survey;
use dwh_redshift::teardown::{apply, plan};

use super::aws_plan::print_plan;
use crate::cli::TeardownArgs;
use crate::commands::config::Cloud;

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

pub async fn run(args: &TeardownArgs, (config, aws): &Cloud) -> anyhow::Result<ExitCode> {
    let policy = iam::s3_read_policy(
        iam::partition(&aws.region),
        &config.s3.bucket,
        &config.s3.prefix,
    );
    let survey = Survey::read(aws, config, &policy, None).await?;

    let snapshot = (!args.skip_final_snapshot).then(|| {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        redshift::final_snapshot_id(&config.cluster.identifier, now)
    });
    let plan = plan::plan(&survey, config, snapshot.as_deref());
    print_plan(&plan, &format!("Teardown plan for {}:", aws.region));
    if plan.ops().next().is_none() {
        println!("nothing to tear down");
        return Ok(ExitCode::SUCCESS);
    }
    if !args.yes && !confirm("Delete these resources?")? {
        println!("teardown cancelled; nothing changed");
        return Ok(ExitCode::from(1));
    }
    apply::apply(aws, config, &plan, Duration::from_secs(args.timeout * 60)).await?;
    println!("✔ teardown complete");
    Ok(ExitCode::SUCCESS)
}
