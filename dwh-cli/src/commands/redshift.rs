//! `dwh all --target redshift`: the pipeline on the provisioned cluster.
//! Staging is loaded by COPY from the uploaded manifests (IAM role, region,
//! jsonpaths, gzip); tables, transform, checks and analyses run over the
//! PostgreSQL wire protocol with TLS.

use anyhow::{anyhow, bail};
use dwh_core::load::StagingReport;
use dwh_core::sql::Dialect;
use dwh_core::{Schema, Warehouse};
use sparkify::analysis::Analysis;

use super::analysis_view::{analysis_json, print_analysis};
use super::run::Run;
use super::steps::{check_step, table_counts, transform_step};
use super::upload::upload_data;
use crate::aws::connect::{self, SqlTarget};
use crate::aws::layout::Layout;
use crate::aws::upload::Uploaded;
use crate::aws::{copy, redshift, s3};
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
    let role_suffix = format!("/{}", config.iam.role_name);
    let role_arn = cluster
        .iam_roles
        .iter()
        .find(|arn| arn.ends_with(&role_suffix))
        .ok_or_else(|| {
            anyhow!(
                "cluster `{id}` does not have role `{}` attached; run `dwh provision` to attach it",
                config.iam.role_name
            )
        })?
        .clone();
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
    let copies = copy::statements(&sets, &layout, &role_arn, &aws.region, max_errors)?;

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
    let mut warehouse = Warehouse::from_client(client, Dialect::Redshift);
    // Every write transaction on Redshift begins with the run lock (`LOCK
    // dwh_registry`, see Warehouse::begin), and creating the tables checks
    // that each one present is dwh's, before any change.
    let batch = warehouse.begin().await?;
    run.step(
        "create tables",
        |_| Some(schema.tables().len() as u64),
        async { Ok(batch.create_tables(schema).await?) },
    )
    .await?;
    batch.commit().await?;
    let loaded = run
        .step(
            "load staging (COPY from S3)",
            |r: &Vec<(&str, u64)>| Some(r.iter().map(|(_, rows)| rows).sum()),
            copy::load(warehouse.client(), &copies),
        )
        .await?;
    for ((table, rows), (_, dir)) in loaded.iter().zip(sets) {
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
    let batch = warehouse.begin().await?;
    run.report.transform = transform_step(run, &batch, schema).await?;
    batch.commit().await?;
    run.report.checks = check_step(run, &warehouse, schema).await?;
    let top = args.top;
    let analysis = run
        .step("analysis", |_| None, async {
            Ok(Analysis::run(&warehouse, top).await?)
        })
        .await?;
    print_analysis(&analysis);
    run.report.analysis = analysis_json(&analysis);
    table_counts(&warehouse, schema, &mut run.report).await?;
    Ok(run.report.checks.iter().filter(|c| !c.passed).count())
}
