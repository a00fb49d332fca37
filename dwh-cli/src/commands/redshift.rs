//! `dwh all --target redshift`: the pipeline on the provisioned cluster.
//! Every statement is rendered by `dwh_core::sql::redshift_run`: one
//! transaction (create, DELETE + COPY from the uploaded manifests + ANALYZE
//! of staging, star-schema loads, COMMIT), then checks and analyses, over
//! the PostgreSQL wire protocol with TLS. This module finds the cluster,
//! role and uploads, and executes.

use anyhow::{anyhow, bail};
use dwh_core::checks;
use dwh_core::load::StagingReport;
use dwh_core::schema::Table;
use dwh_core::sql::{self, Dialect, Limit};
use dwh_core::{Schema, Warehouse};
use sparkify::analysis::Analysis;

use super::analysis_view::{analysis_json, print_analysis};
use super::run::Run;
use super::steps::{check_queries_step, print_transform, table_counts};
use super::upload::upload_data;
use crate::aws::connect::{self, SqlTarget};
use crate::aws::layout::Layout;
use crate::aws::redshift::ClusterState;
use crate::aws::upload::Uploaded;
use crate::aws::{copy, redshift, s3, transaction, Aws};
use crate::cli::{AllArgs, AwsArgs};

/// Every step of `dwh all` on Redshift; the number of failed checks.
pub async fn all_steps(run: &mut Run, args: &AllArgs, schema: &Schema) -> anyhow::Result<usize> {
    let (config, aws) = super::config::load(&AwsArgs {
        config: args.config.clone(),
    })
    .await?;
    if let Some(data) = &args.data.data {
        if data.to_string_lossy().starts_with("s3://") {
            bail!(
                "with --target redshift, COPY reads what `dwh upload` wrote to s3.bucket; --data \
                 takes a local directory to upload first"
            );
        }
        run.step(
            "upload to S3",
            |r: &Vec<Uploaded>| Some(r.iter().map(|u| u.records).sum()),
            upload_data(&config, &aws, data),
        )
        .await?;
    }
    let id = &config.cluster.identifier;
    let cluster = run
        .step("find cluster", |_| None, async {
            let cluster = redshift::describe(&aws, id).await?.ok_or_else(|| {
                anyhow!(
                    "there is no cluster `{id}` in {}; run `dwh provision` first",
                    aws.region
                )
            })?;
            if cluster.status != "available" {
                bail!(
                    "cluster `{id}` is `{}`; wait for `dwh status` to show it available",
                    cluster.status
                );
            }
            Ok(cluster)
        })
        .await?;
    let role_arn = attached_role(&cluster, &config.iam.role_name)?;
    let layout = Layout::new(config.bucket()?, &config.s3.prefix);
    let sets = sparkify::staging_dirs();
    for (_, dir) in sets {
        if !s3::exists(&aws.s3, &layout.bucket, &layout.manifest_key(dir)).await? {
            bail!(
                "no uploaded {dir} at {}: run `dwh upload --data DIR` first (or pass --data DIR)",
                layout.uri(&layout.manifest_key(dir))
            );
        }
    }
    let max_errors = u32::try_from(args.data.max_errors).unwrap_or(u32::MAX);
    let copies = copy::copies(&sets, &layout, &role_arn, &aws.region, max_errors);
    let plan = sql::redshift_run(
        schema,
        &copies,
        sparkify::analysis::queries(args.top),
        checks::EXAMPLES,
    )?;

    let (host, port) = cluster
        .endpoint
        .clone()
        .ok_or_else(|| anyhow!("cluster `{id}` has no endpoint yet"))?;
    let target = SqlTarget::new((&host, port), config.cluster.sql_endpoint.as_deref())?;
    let client = run
        .step("connect to Redshift", |_| None, async {
            let (user, password) = redshift::login(&aws, &config.cluster).await?;
            connect::connect(&target, &config.cluster.database, &user, &password).await
        })
        .await?;
    let loaded = transaction::execute(run, &client, &config.cluster.database, &plan).await?;
    report_staging(run, &aws, &layout, &sets, &loaded.staged).await?;
    print_transform(&loaded.transform);
    run.report.transform = loaded.transform;
    let warehouse = Warehouse::from_client(client, Dialect::Redshift);
    run.report.checks = check_queries_step(run, &warehouse, &plan.checks).await?;
    analysis_step(run, &warehouse, args.top).await?;
    table_counts(&warehouse, schema, &mut run.report).await?;
    Ok(run.report.checks.iter().filter(|c| !c.passed).count())
}

/// The ARN of the role dwh provisioned, attached to `cluster`.
fn attached_role(cluster: &ClusterState, role_name: &str) -> anyhow::Result<String> {
    let role_suffix = format!("/{role_name}");
    cluster
        .iam_roles
        .iter()
        .find(|arn| arn.ends_with(&role_suffix))
        .cloned()
        .ok_or_else(|| {
            anyhow!(
                "cluster `{}` does not have role `{role_name}` attached; run `dwh provision` to attach it",
                cluster.identifier
            )
        })
}

/// Runs, prints and records the analyses.
async fn analysis_step(run: &mut Run, warehouse: &Warehouse, top: Limit) -> anyhow::Result<()> {
    let analysis = run
        .step("analysis", |_| None, async {
            Ok(Analysis::run(warehouse, top).await?)
        })
        .await?;
    print_analysis(&analysis);
    run.report.analysis = analysis_json(&analysis);
    Ok(())
}

/// Prints and records each staging table's rows and the parts they came from.
async fn report_staging(
    run: &mut Run,
    aws: &Aws,
    layout: &Layout,
    sets: &[(&'static Table, &'static str)],
    staged: &[(&'static str, u64)],
) -> anyhow::Result<()> {
    for ((table, rows), (_, dir)) in staged.iter().zip(sets) {
        let parts: Vec<s3::Object> = s3::list(&aws.s3, &layout.bucket, &layout.data_prefix(dir))
            .await?
            .into_iter()
            .filter(|o| layout.is_part_key(dir, &o.key))
            .collect();
        eprintln!("    {table}: {rows} rows from {} parts", parts.len());
        run.report.staging.push(StagingReport {
            table,
            location: layout.uri(&layout.manifest_key(dir)),
            files: parts.len() as u64,
            rows: *rows,
            bytes: parts.iter().map(|p| p.size).sum(),
            rejected: 0,
            rejects_file: None,
        });
    }
    Ok(())
}
