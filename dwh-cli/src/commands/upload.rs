//! `dwh upload --data DIR`: the data bucket (created if missing), the data
//! as compressed parts with manifests, and the jsonpaths documents.

use std::process::ExitCode;

use dwh_core::Project;

use crate::aws::layout::Layout;
use crate::aws::upload::{self, Chosen, Uploaded};
use crate::aws::{redshift, s3, Aws};
use crate::cli::UploadArgs;
use crate::config::DwhConfig;
use crate::ui;

/// Uploads the `chosen` files to the configured bucket and prefix: every
/// file for `dwh upload`, the new ones for `dwh all --target redshift
/// --data DIR`.
pub async fn upload_data(
    config: &DwhConfig,
    aws: &Aws,
    project: &Project,
    chosen: Vec<Chosen<'_>>,
) -> anyhow::Result<Vec<Uploaded>> {
    let bucket = config.bucket()?;
    if s3::ensure_bucket(aws, bucket).await? {
        eprintln!(
            "✔ created bucket s3://{bucket} in {} (public access blocked)",
            aws.region
        );
    }
    // Parts are a multiple of the slices of the cluster that will COPY
    // them; before it exists, of the cluster dwh.toml describes.
    let slices = match redshift::describe(aws, &config.cluster.identifier).await? {
        Some(cluster) => cluster.slices(),
        None => redshift::slices_per_node(&config.cluster.node_type) * config.cluster.nodes.max(1),
    };
    let layout = Layout::new(bucket, &config.s3.prefix);
    let reports = upload::upload(&aws.s3, &layout, project, chosen, slices).await?;
    let rows = reports
        .iter()
        .map(|r| {
            vec![
                r.table.to_owned(),
                r.files.len().to_string(),
                ui::thousands(r.records),
                ui::bytes(r.raw_bytes),
                r.parts.len().to_string(),
                ui::bytes(r.parts.iter().map(|(_, size)| size).sum()),
                r.manifest.clone(),
            ]
        })
        .collect();
    println!(
        "{}",
        ui::table(
            &["table", "files", "records", "JSON", "parts", "gzip", "manifest"],
            rows
        )
    );
    let removed: usize = reports.iter().map(|r| r.removed).sum();
    if removed > 0 {
        eprintln!("    removed {removed} parts of an earlier upload");
    }
    let root = layout.root_uri();
    eprintln!("✔ uploaded to {root} ({slices} slices; jsonpaths in {root}/jsonpaths/)");
    Ok(reports)
}

pub async fn run(args: &UploadArgs, project: &Project) -> anyhow::Result<ExitCode> {
    let chosen = upload::list_local(&args.data, project)?;
    let (config, aws) = super::config::load(&args.aws, project).await?;
    upload_data(&config, &aws, project, chosen).await?;
    let layout = Layout::new(&config.s3.bucket, &config.s3.prefix);
    println!(
        "next: dwh all --target redshift (COPY into the cluster), or dwh all --data {} (load it locally)",
        layout.root_uri()
    );
    Ok(ExitCode::SUCCESS)
}
