//! `dwh upload`'s work: the data bucket (created if missing), the chosen
//! files as compressed parts with manifests, and what was uploaded.

use dwh_core::report::{bytes, thousands};
use dwh_core::Project;

use crate::aws::layout::Layout;
use crate::aws::upload::{self, Chosen, Uploaded};
use crate::aws::{redshift, s3, Aws};
use crate::config::DwhConfig;
use crate::console;

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
    // Parts are a multiple of the slices of the cluster that will COPY
    // them; before it exists, of the cluster dwh.toml describes.
    let slices = match redshift::describe(aws, &config.cluster.identifier).await? {
        Some(cluster) => cluster.slices(),
        None => redshift::slices_per_node(&config.cluster.node_type) * config.cluster.nodes.max(1),
    };
    // Every file is read and checked before the first write to S3.
    let (_scratch, prepared) = upload::prepare(chosen, slices).await?;
    if s3::ensure_bucket(aws, bucket).await? {
        eprintln!(
            "✔ created bucket s3://{bucket} in {} (public access blocked)",
            aws.region
        );
    }
    let layout = Layout::new(bucket, &config.s3.prefix);
    let reports = upload::upload(&aws.s3, &layout, project, prepared).await?;
    let rows = reports
        .iter()
        .map(|r| {
            vec![
                r.table.to_owned(),
                r.files.len().to_string(),
                thousands(r.records),
                bytes(r.raw_bytes),
                r.parts.len().to_string(),
                bytes(r.parts.iter().map(|(_, size)| size).sum()),
                r.manifest.clone(),
            ]
        })
        .collect();
    println!(
        "{}",
        console::table(
            &["table", "files", "records", "raw", "parts", "uploaded", "manifest"],
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
