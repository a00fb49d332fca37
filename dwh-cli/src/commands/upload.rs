//! `dwh upload --data DIR`: the data bucket (created if missing), the data
//! as compressed parts with manifests, and the jsonpaths documents.

use std::process::ExitCode;

use dwh_core::Project;

use dwh_redshift::aws::layout::Layout;
use dwh_redshift::aws::upload;
use dwh_redshift::upload::upload_data;

use crate::cli::UploadArgs;
use crate::commands::config::Cloud;

pub async fn run(
    args: &UploadArgs,
    (config, aws): &Cloud,
    project: &Project,
) -> anyhow::Result<ExitCode> {
    let chosen = upload::list_local(&args.data, project)?;
    upload_data(config, aws, project, chosen).await?;
    let layout = Layout::new(&config.s3.bucket, &config.s3.prefix);
    println!(
        "next: dwh all --target redshift (COPY into the cluster), or dwh all --data {} (load it locally)",
        layout.root_uri()
    );
    Ok(ExitCode::SUCCESS)
}
