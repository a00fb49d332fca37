//! `dwh doctor`: runs dwh-core's probes (`dwh_core::doctor`) on the
//! cluster of dwh.toml and reports each statement shape. This module only
//! finds the cluster, uploads the probes' files, connects, and prints.

use std::process::ExitCode;

use anyhow::bail;

use dwh_core::doctor::{self, by_shape, run_probes, DoctorS3, Outcome, Verdict};

use super::console::Console;
use super::redshift::{attached_role, find_cluster, login};
use crate::aws::layout::Layout;
use crate::aws::s3::{self, ByteStream};
use crate::aws::Aws;
use crate::commands::config::Cloud;
use crate::ui;

/// Exit status when a shape failed.
const A_SHAPE_FAILED: u8 = 2;

pub async fn run((config, aws): &Cloud) -> anyhow::Result<ExitCode> {
    let mut console = Console::default();
    let cluster = find_cluster(&mut console, aws, &config.cluster.identifier).await?;
    let iam_role = attached_role(&cluster, &config.iam.role_name)?;
    let layout = Layout::new(config.bucket()?, &config.s3.prefix);
    let scratch = format!("dwh_doctor_{}", chrono::Utc::now().format("%Y%m%d%H%M%S"));
    let prefix = layout.doctor_prefix(&scratch);
    let s3 = DoctorS3 {
        prefix: layout.uri(&prefix),
        iam_role,
        region: aws.region.clone(),
    };
    let probes = doctor::probes(&scratch, &config.cluster.database, &s3)?;
    let keys = console
        .step(
            "upload the probes' files",
            |_| None,
            upload(aws, &layout, &prefix),
        )
        .await?;
    let outcomes = match login(&mut console, aws, config, &cluster).await {
        Ok(warehouse) => Ok(probe(warehouse.client(), &probes).await),
        Err(e) => Err(e),
    };
    remove(aws, &layout, &keys).await;
    let outcomes = outcomes?;
    print_report(&outcomes);
    let passed = outcomes.iter().all(|o| o.verdict == Verdict::Passed);
    Ok(if passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(A_SHAPE_FAILED)
    })
}

/// Uploads the probes' files below `prefix`; their keys.
async fn upload(aws: &Aws, layout: &Layout, prefix: &str) -> anyhow::Result<Vec<String>> {
    if s3::bucket_state(&aws.s3, &layout.bucket).await? != s3::BucketState::Usable {
        bail!(
            "bucket `{}` (s3.bucket of dwh.toml) is missing or not yours: `dwh upload` creates it",
            layout.bucket
        );
    }
    let mut keys = Vec::new();
    for (name, bytes) in doctor::files() {
        let key = format!("{prefix}/{name}");
        let content_type = content_type(&name);
        s3::put(
            &aws.s3,
            &layout.bucket,
            &key,
            ByteStream::from(bytes),
            content_type,
        )
        .await?;
        keys.push(key);
    }
    Ok(keys)
}

/// The media type of a doctor file, by its extension (COPY does not read
/// it; it only labels the object for someone looking at the bucket).
fn content_type(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("csv") => "text/csv",
        Some("parquet") => "application/octet-stream",
        _ => "application/json",
    }
}

/// Removes the uploaded files; a failure is said, not fatal (the report
/// matters more).
async fn remove(aws: &Aws, layout: &Layout, keys: &[String]) {
    for key in keys {
        if let Err(e) = s3::delete(&aws.s3, &layout.bucket, key).await {
            eprintln!("! could not remove {}: {e:#}", layout.uri(key));
        }
    }
}

/// Runs the probes with a spinner naming the one running.
async fn probe(client: &tokio_postgres::Client, probes: &[doctor::Probe]) -> Vec<Outcome> {
    let bar = ui::spinner(format!("run {} probes", probes.len()));
    let mut done = 0;
    let outcomes = run_probes(client, probes, |outcome| {
        done += 1;
        bar.set_message(format!("{done}/{} {}", probes.len(), outcome.probe.label));
    })
    .await;
    bar.finish_and_clear();
    outcomes
}

/// One line per shape on stdout, then each failed statement with the
/// server's error and its SQL, for a bug report.
fn print_report(outcomes: &[Outcome]) {
    for (shape, verdict) in by_shape(outcomes) {
        match verdict {
            Verdict::Passed => println!("✔ {}", shape.describe()),
            Verdict::NotReached => println!("– {}: not reached", shape.describe()),
            Verdict::Failed(why) => println!("✘ {}: {why}", shape.describe()),
        }
    }
    for outcome in outcomes {
        if let Verdict::Failed(why) = &outcome.verdict {
            println!(
                "\n-- {} failed: {why}\n{};",
                outcome.probe.label, outcome.probe.sql
            );
        }
    }
    let failed = outcomes
        .iter()
        .filter(|o| matches!(o.verdict, Verdict::Failed(_)))
        .count();
    if failed == 0 {
        eprintln!(
            "✔ Redshift ran every statement shape dwh uses ({} statements)",
            outcomes.len()
        );
    } else {
        eprintln!(
            "✘ {failed} of {} statements failed: please paste the output above into a bug \
             report (it holds no secret: the role ARN and the bucket at most)",
            outcomes.len()
        );
    }
}
