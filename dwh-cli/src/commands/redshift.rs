//! `dwh all --target redshift`: the cluster as the pipeline's target. This
//! module finds the cluster, role and uploads and connects over TLS; the
//! statements are rendered by `dwh_core::sql::run_plan` (staging by
//! `COPY … FROM` S3) and run by dwh-core's pipeline, the same as locally.

use anyhow::{anyhow, bail};
use dwh_core::load::{LoadError, StagingReport};
use dwh_core::pipeline::Files;
use dwh_core::sql::run::load_errors_query;
use dwh_core::sql::{self, Dialect, Parts, S3Batch, StagingFrom};
use dwh_core::{Project, Warehouse, WarehouseError};

use super::pipeline::Prepared;
use super::run::Run;
use super::upload::upload_data;
use crate::aws::connect::{self, SqlTarget};
use crate::aws::copy::{db_error, explain, CopyFailed};
use crate::aws::layout::Layout;
use crate::aws::redshift::ClusterState;
use crate::aws::upload::{uploaded_parts, Uploaded};
use crate::aws::{copy, redshift, s3, Aws};
use crate::cli::{AllArgs, AwsArgs};
use crate::config::DwhConfig;

/// What the Redshift run needs besides the plan: S3 to describe the
/// loaded parts, and the project's sources.
pub struct RedshiftRun {
    aws: Aws,
    layout: Layout,
    project: Project,
}

/// Connects to the cluster of dwh.toml (uploading `--data` first) and
/// renders the run with a COPY from the uploaded manifests per staging table.
pub async fn prepare(
    run: &mut Run,
    args: &AllArgs,
    project: &Project,
    parts: Parts,
) -> anyhow::Result<Prepared> {
    let aws_args = AwsArgs {
        config: args.target.config.clone(),
    };
    let (config, aws) = super::config::load(&aws_args, project).await?;
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
            upload_data(&config, &aws, data, project),
        )
        .await?;
    }
    let cluster = find_cluster(run, &aws, &config.cluster.identifier).await?;
    let role_arn = attached_role(&cluster, &config.iam.role_name)?;
    let layout = Layout::new(config.bucket()?, &config.s3.prefix);
    for source in project.sources() {
        let key = layout.manifest_key(&source.dir);
        if !s3::exists(&aws.s3, &layout.bucket, &key).await? {
            bail!(
                "no uploaded {} at {}: run `dwh upload --data DIR` first (or pass --data DIR)",
                source.dir,
                layout.uri(&key)
            );
        }
    }
    let max_errors = u32::try_from(args.data.max_errors).unwrap_or(u32::MAX);
    let copies = copy::copies(
        project.sources(),
        &layout,
        &role_arn,
        &aws.region,
        max_errors,
    );
    let run_at = chrono::Utc::now().naive_utc();
    let staging: Vec<_> = copies
        .into_iter()
        .map(|(table, copy)| {
            let batch = S3Batch {
                copy: Some(copy),
                files: Vec::new(),
                run_at,
            };
            (table, StagingFrom::S3(batch))
        })
        .collect();
    let plan = sql::run_plan(project.schema(), Dialect::Redshift, &staging, parts)?;
    let warehouse = login(run, &aws, &config, &cluster).await?;
    Ok(Prepared {
        warehouse,
        plan,
        files: Files::default(),
        location: None,
        redshift: Some(RedshiftRun {
            aws,
            layout,
            project: project.clone(),
        }),
    })
}

/// Connects to the cluster of `config` for `dwh plan` and `dwh migrate`:
/// the configuration, cluster lookup and login of `dwh all --target
/// redshift`, without its upload and COPY preparation.
pub async fn connect_cluster(
    run: &mut Run,
    config: &std::path::Path,
    project: &Project,
) -> anyhow::Result<Warehouse> {
    let aws_args = AwsArgs {
        config: config.to_owned(),
    };
    let (config, aws) = super::config::load(&aws_args, project).await?;
    let cluster = find_cluster(run, &aws, &config.cluster.identifier).await?;
    login(run, &aws, &config, &cluster).await
}

/// Logs in to `cluster` (temporary credentials for the configured user)
/// and connects over TLS.
async fn login(
    run: &mut Run,
    aws: &Aws,
    config: &DwhConfig,
    cluster: &ClusterState,
) -> anyhow::Result<Warehouse> {
    let (host, port) = cluster
        .endpoint
        .clone()
        .ok_or_else(|| anyhow!("cluster `{}` has no endpoint yet", cluster.identifier))?;
    let target = SqlTarget::new((&host, port), config.cluster.sql_endpoint.as_deref())?;
    let client = run
        .step("connect to Redshift", |_| None, async {
            let (user, password) = redshift::login(aws, &config.cluster).await?;
            connect::connect(&target, &config.cluster.database, &user, &password).await
        })
        .await?;
    Ok(Warehouse::from_client(client, Dialect::Redshift))
}

async fn find_cluster(run: &mut Run, aws: &Aws, id: &str) -> anyhow::Result<ClusterState> {
    run.step("find cluster", |_| None, async {
        let cluster = redshift::describe(aws, id).await?.ok_or_else(|| {
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
    .await
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

impl RedshiftRun {
    /// A failed COPY explained from its rows of `STL_LOAD_ERRORS` (the
    /// query id outlives the rollback); any other error as it is.
    pub async fn explain(&self, warehouse: &Warehouse, error: WarehouseError) -> anyhow::Error {
        match error {
            WarehouseError::Load(LoadError::Copy { table, source }) => {
                let table = self
                    .project
                    .schema()
                    .table(table)
                    .expect("the COPY's table is declared");
                let details = explain(warehouse.client(), table, &load_errors_query()).await;
                CopyFailed {
                    table: table.name,
                    error: db_error(&source),
                    details,
                }
                .into()
            }
            other => other.into(),
        }
    }

    /// Fills in each staging report the parts and bytes the COPY read.
    pub async fn complete(&self, staging: &mut [StagingReport]) -> anyhow::Result<()> {
        for (report, source) in staging.iter_mut().zip(self.project.sources()) {
            let dir = &source.dir;
            let parts = uploaded_parts(&self.aws.s3, &self.layout, dir).await?;
            report.location = self.layout.uri(&self.layout.manifest_key(dir));
            report.files = parts.len() as u64;
            report.bytes = parts.iter().map(|p| p.size).sum();
        }
        Ok(())
    }
}
