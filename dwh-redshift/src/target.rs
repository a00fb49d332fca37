//! `dwh all --target redshift`: the cluster as the pipeline's target. This
//! module finds the cluster, role and uploads and connects over TLS; the
//! statements are rendered by `dwh_core::sql::run_plan` (staging by
//! `COPY … FROM` S3) and run by dwh-core's `Run`, the same as locally.

use anyhow::{anyhow, bail};
use dwh_core::load::ledger::{batch_line, Ledger};
use dwh_core::load::policy::BatchPolicy;
use dwh_core::load::LoadError;
use dwh_core::run::{refuse_tables_gone, Described, Staged};
use dwh_core::schema::Table;
use dwh_core::sql::ledger::LedgerFile;
use dwh_core::sql::run::load_errors_query;
use dwh_core::sql::{Dialect, Parts, S3Batch, S3Copy, StagingFrom};
use dwh_core::{Project, Warehouse, WarehouseError};

use std::future::Future;
use std::path::{Path, PathBuf};

use crate::aws::connect::{self, SqlTarget};
use crate::aws::copy::{db_error, explain, CopyFailed};
use crate::aws::incremental::{self, Choice};
use crate::aws::layout::Layout;
use crate::aws::redshift::ClusterState;
use crate::aws::upload::{self, uploaded_parts, Uploaded};
use crate::aws::{copy, redshift, s3, sidecar, Aws};
use crate::config::DwhConfig;
use crate::upload::upload_data;

/// How a front end runs each named step of a Redshift run (`find
/// cluster`, `connect to Redshift`, `upload to S3`): the dwh command line
/// shows a spinner and records the step's time and rows. [`Plain`] just
/// runs it.
pub trait Steps {
    /// Runs `work` as the step `name`; `rows` counts the rows of its result.
    fn step<T, F>(
        &mut self,
        name: &str,
        rows: impl Fn(&T) -> Option<u64>,
        work: F,
    ) -> impl Future<Output = anyhow::Result<T>>
    where
        F: Future<Output = anyhow::Result<T>>;
}

/// Steps run as they are, shown nowhere.
#[derive(Debug, Default)]
pub struct Plain;

impl Steps for Plain {
    async fn step<T, F>(
        &mut self,
        _: &str,
        _: impl Fn(&T) -> Option<u64>,
        work: F,
    ) -> anyhow::Result<T>
    where
        F: Future<Output = anyhow::Result<T>>,
    {
        work.await
    }
}

/// What a run on Redshift is asked to do: `dwh all --target redshift`'s
/// options.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// dwh.toml.
    pub config: PathBuf,
    /// A local data directory whose new files are uploaded first; `None`
    /// copies what `dwh upload` wrote.
    pub data: Option<PathBuf>,
    /// Bad records COPY may skip before the load fails.
    pub max_errors: u64,
    /// What the run does about files the load ledger knows, as locally.
    pub policy: BatchPolicy,
}

/// A run ready for dwh-core's [`Run`](dwh_core::run::Run) on the
/// cluster: the connection, the staging by `COPY` of what was chosen and
/// uploaded, and what explains a failed COPY.
pub struct Prepared {
    /// The connection to the cluster.
    pub warehouse: Warehouse,
    /// Each staging table's COPY, for [`Run::staged`](dwh_core::run::Run::staged).
    pub staged: Staged,
    /// What explains a failed COPY.
    pub redshift: RedshiftRun,
}

/// What the Redshift run needs besides its staging: S3 to describe the
/// loaded parts, and the project's sources.
pub struct RedshiftRun {
    aws: Aws,
    layout: Layout,
    project: Project,
    /// Per source (in the project's order), whether the run copies it.
    copied: Vec<bool>,
}

/// Connects to the cluster of dwh.toml, reads its load ledger, and renders
/// the run with a COPY per staging table that has new files: with `--data`,
/// of a manifest listing only the new files, uploaded first; without, of
/// what `dwh upload` wrote, when its sidecar lists only new files.
pub async fn prepare(
    steps: &mut impl Steps,
    args: &Options,
    project: &Project,
    parts: Parts,
) -> anyhow::Result<Prepared> {
    copy::refuse_max_errors_for_parquet(project.sources(), args.max_errors)?;
    let (config, aws) = crate::load(&args.config, project).await?;
    let listed = local_listing(args, project)?;
    let cluster = find_cluster(steps, &aws, &config.cluster.identifier).await?;
    let role_arn = attached_role(&cluster, &config.iam.role_name)?;
    let layout = Layout::new(config.bucket()?, &config.s3.prefix);
    let from = match listed {
        Some(listed) => NewFrom::Data(listed),
        None => NewFrom::Uploads(read_sidecars(&aws, &layout, project).await?),
    };
    let warehouse = login(steps, &aws, &config, &cluster).await?;
    let fresh = parts.fresh || parts.full_refresh;
    refuse_tables_gone(args.policy, &warehouse, project.schema(), fresh).await?;
    // Read for a rebuild too: it must not leave out files gone from --data.
    let ledger = warehouse.ledger().await?;
    let (new_files, full_refresh) =
        choose_new_files(steps, args, parts, (&config, &aws), project, from, ledger).await?;
    let max_errors = u32::try_from(args.max_errors).unwrap_or(u32::MAX);
    let copies = copy::copies(
        project.sources(),
        &layout,
        &role_arn,
        &aws.region,
        max_errors,
    );
    let copied = new_files.iter().map(Option::is_some).collect();
    let redshift = RedshiftRun {
        aws,
        layout,
        project: project.clone(),
        copied,
    };
    let staged = Staged {
        staging: s3_staging(copies, new_files),
        full_refresh,
        described: redshift.describe().await?,
    };
    Ok(Prepared {
        warehouse,
        staged,
        redshift,
    })
}

/// Where a run's new files come from.
enum NewFrom<'a> {
    /// `--data DIR`'s files, listed per source, to upload first.
    Data(Vec<upload::Chosen<'a>>),
    /// What `dwh upload` wrote: per source, its sidecar's URI and files.
    Uploads(Vec<(String, Vec<LedgerFile>)>),
}

/// Per source, the files its COPY loads (`None`: no COPY), and whether
/// the run rebuilds; `--data`'s new files are uploaded here, since the
/// COPYs read them from S3.
async fn choose_new_files(
    steps: &mut impl Steps,
    args: &Options,
    parts: Parts,
    (config, aws): (&DwhConfig, &Aws),
    project: &Project,
    from: NewFrom<'_>,
    ledger: Ledger,
) -> anyhow::Result<(Vec<Option<Vec<LedgerFile>>>, bool)> {
    let fresh = parts.fresh || parts.full_refresh;
    Ok(match from {
        NewFrom::Data(listed) => {
            let choice = tokio::task::block_in_place(|| {
                incremental::choose_new(listed, &ledger, args.policy, fresh)
            })?;
            let full = choice.full_refresh;
            (upload_new(steps, config, aws, project, choice).await?, full)
        }
        NewFrom::Uploads(sidecars) => {
            let full = fresh || args.policy.full_refresh;
            let allow = args.policy.allow_missing_files || parts.fresh;
            (from_uploads(project, sidecars, ledger, full, allow)?, full)
        }
    })
}

/// Each staging table's input: its COPY and the files it records, or no
/// COPY for a table without new files (staging keeps its last batch).
fn s3_staging(
    copies: Vec<(&'static Table, S3Copy)>,
    new_files: Vec<Option<Vec<LedgerFile>>>,
) -> Vec<(&'static Table, StagingFrom)> {
    let run_at = chrono::Utc::now().naive_utc();
    copies
        .into_iter()
        .zip(new_files)
        .map(|((table, copy), files)| {
            let batch = S3Batch {
                copy: files.as_ref().map(|_| copy),
                files: files.unwrap_or_default(),
                run_at,
            };
            (table, StagingFrom::S3(batch))
        })
        .collect()
}

/// Uploads the new files of `choice` (a source without any is left as it
/// is on S3 and not copied) and says what each source brings; per source,
/// the ledger rows of the files its COPY loads, `None` for no COPY.
async fn upload_new(
    steps: &mut impl Steps,
    config: &DwhConfig,
    aws: &Aws,
    project: &Project,
    choice: Choice<'_>,
) -> anyhow::Result<Vec<Option<Vec<LedgerFile>>>> {
    for (chosen, before) in choice.sources.iter().zip(&choice.before) {
        let table = chosen.source.table.name;
        eprintln!("{}", batch_line(table, chosen.files.len(), *before));
    }
    let tables: Vec<&str> = choice.sources.iter().map(|c| c.source.table.name).collect();
    let new: Vec<_> = choice
        .sources
        .into_iter()
        .filter(|c| !c.files.is_empty())
        .collect();
    let uploaded = if new.is_empty() {
        Vec::new()
    } else {
        steps
            .step(
                "upload to S3",
                |r: &Vec<Uploaded>| Some(r.iter().map(|u| u.records).sum()),
                upload_data(config, aws, project, new),
            )
            .await?
    };
    Ok(tables
        .iter()
        .map(|t| {
            let u = uploaded.iter().find(|u| u.table == *t)?;
            Some(u.files.clone())
        })
        .collect())
}

/// Each source's uploaded files, from the sidecar beside its manifest.
async fn read_sidecars(
    aws: &Aws,
    layout: &Layout,
    project: &Project,
) -> anyhow::Result<Vec<(String, Vec<LedgerFile>)>> {
    let mut all = Vec::new();
    for source in project.sources() {
        let key = layout.manifest_key(&source.dir);
        if !s3::exists(&aws.s3, &layout.bucket, &key).await? {
            bail!(
                "no uploaded {} at {}: run `dwh upload --data DIR` first (or pass --data DIR)",
                source.dir,
                layout.uri(&key)
            );
        }
        let sidecar_key = layout.sidecar_key(&source.dir);
        let uri = layout.uri(&sidecar_key);
        if !s3::exists(&aws.s3, &layout.bucket, &sidecar_key).await? {
            bail!(
                "{} has no list of the files it holds ({uri}): it was written by an older dwh \
                 or an interrupted upload; run `dwh upload --data DIR` again (or pass --data DIR)",
                layout.uri(&key)
            );
        }
        let body = s3::get(&aws.s3, &layout.bucket, &sidecar_key).await?;
        let bytes = body.collect().await?.into_bytes();
        let files = sidecar::from_json(&uri, &String::from_utf8_lossy(&bytes))?;
        all.push((uri, files));
    }
    Ok(all)
}

/// `--data DIR`'s files, listed per source before anything else is done;
/// `None` without `--data` (the run copies what `dwh upload` wrote).
fn local_listing<'a>(
    args: &Options,
    project: &'a Project,
) -> anyhow::Result<Option<Vec<upload::Chosen<'a>>>> {
    match &args.data {
        Some(data) if data.to_string_lossy().starts_with("s3://") => bail!(
            "with --target redshift, COPY reads what `dwh upload` wrote to s3.bucket; --data \
             takes a local directory to upload first"
        ),
        Some(data) => Ok(Some(upload::list_local(data, project)?)),
        None => Ok(None),
    }
}

/// Per source, the uploaded files to COPY (see [`from_sidecars`]); a
/// rebuild (`full`) copies every uploaded manifest whatever the ledger
/// holds, but refuses to leave out files the ledger lists unless `allow`.
fn from_uploads(
    project: &Project,
    sidecars: Vec<(String, Vec<LedgerFile>)>,
    ledger: Ledger,
    full: bool,
    allow: bool,
) -> anyhow::Result<Vec<Option<Vec<LedgerFile>>>> {
    if full {
        refuse_gone_uploads(project, &sidecars, &ledger, allow)?;
    }
    let ledger = if full { Ledger::default() } else { ledger };
    from_sidecars(project, sidecars, &ledger)
}

/// [`incremental::refuse_gone_uploads`] over each source's sidecar.
fn refuse_gone_uploads(
    project: &Project,
    sidecars: &[(String, Vec<LedgerFile>)],
    ledger: &Ledger,
    allow_missing: bool,
) -> anyhow::Result<()> {
    let uploads: Vec<_> = project
        .sources()
        .iter()
        .zip(sidecars)
        .map(|(source, (uri, files))| (source.table, uri.as_str(), files.as_slice()))
        .collect();
    incremental::refuse_gone_uploads(&uploads, ledger, allow_missing)
}

/// Per source, the files of its uploaded manifest to COPY and record, or
/// `None` when they were all loaded before; says which.
fn from_sidecars(
    project: &Project,
    sidecars: Vec<(String, Vec<LedgerFile>)>,
    ledger: &Ledger,
) -> anyhow::Result<Vec<Option<Vec<LedgerFile>>>> {
    let mut out = Vec::new();
    for (source, (uri, files)) in project.sources().iter().zip(sidecars) {
        let table = source.table.name;
        let copy = incremental::copy_uploaded(table, &files, ledger, &uri)?;
        let new = if copy { files.len() } else { 0 };
        eprintln!("{}", batch_line(table, new, ledger.files_of(table)));
        out.push(copy.then_some(files));
    }
    Ok(out)
}

/// Connects to the cluster of `config` for `dwh plan` and `dwh migrate`:
/// the configuration, cluster lookup and login of `dwh all --target
/// redshift`, without its upload and COPY preparation.
pub async fn connect_cluster(
    steps: &mut impl Steps,
    config: &Path,
    project: &Project,
) -> anyhow::Result<Warehouse> {
    let (config, aws) = crate::load(config, project).await?;
    let cluster = find_cluster(steps, &aws, &config.cluster.identifier).await?;
    login(steps, &aws, &config, &cluster).await
}

/// Logs in to `cluster` (temporary credentials for the configured user)
/// and connects over TLS.
pub async fn login(
    steps: &mut impl Steps,
    aws: &Aws,
    config: &DwhConfig,
    cluster: &ClusterState,
) -> anyhow::Result<Warehouse> {
    let (host, port) = cluster
        .endpoint
        .clone()
        .ok_or_else(|| anyhow!("cluster `{}` has no endpoint yet", cluster.identifier))?;
    let target = SqlTarget::new((&host, port), config.cluster.sql_endpoint.as_deref())?;
    let client = steps
        .step("connect to Redshift", |_| None, async {
            let (user, password) = redshift::login(aws, &config.cluster).await?;
            connect::connect(&target, &config.cluster.database, &user, &password).await
        })
        .await?;
    Ok(Warehouse::from_client(client, Dialect::Redshift))
}

/// The cluster `id`, available, or why it cannot be used.
pub async fn find_cluster(
    steps: &mut impl Steps,
    aws: &Aws,
    id: &str,
) -> anyhow::Result<ClusterState> {
    steps
        .step("find cluster", |_| None, async {
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
pub fn attached_role(cluster: &ClusterState, role_name: &str) -> anyhow::Result<String> {
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

    /// Per source, the manifest each COPY reads, and the parts and bytes
    /// it lists (none for a source the run does not copy).
    async fn describe(&self) -> anyhow::Result<Vec<Described>> {
        let mut described = Vec::new();
        for (source, copied) in self.project.sources().iter().zip(&self.copied) {
            let dir = &source.dir;
            let mut copy = Described {
                location: self.layout.uri(&self.layout.manifest_key(dir)),
                ..Described::default()
            };
            if *copied {
                let parts = uploaded_parts(&self.aws.s3, &self.layout, dir).await?;
                copy.files = parts.len() as u64;
                copy.bytes = parts.iter().map(|p| p.size).sum();
            }
            described.push(copy);
        }
        Ok(described)
    }
}
