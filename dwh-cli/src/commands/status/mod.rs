//! `dwh status`: each AWS resource dwh manages, as it is now. In
//! dwh-redshift, `survey` reads AWS and `plan` (pure) makes the rows and
//! the exit code; `run` prints.

use std::process::ExitCode;

use dwh_redshift::aws::iam;
use dwh_redshift::status::plan;
use dwh_redshift::survey::Survey;

use crate::cli::AwsArgs;
use crate::commands::config::Cloud;
use crate::ui;

pub async fn run(
    args: &AwsArgs,
    (config, aws): &Cloud,
    project: &dwh_core::Project,
) -> anyhow::Result<ExitCode> {
    let policy = iam::s3_read_policy(
        iam::partition(&aws.region),
        &config.s3.bucket,
        &config.s3.prefix,
    );
    let survey = Survey::read(aws, config, &policy, Some(project)).await?;
    let report = plan::plan(&survey, config);
    let rows = report
        .rows
        .into_iter()
        .map(|r| vec![r.resource.to_owned(), r.name, r.state, r.detail])
        .collect();
    println!("{} (region {})", args.config.display(), aws.region);
    println!(
        "{}",
        ui::table(&["resource", "name", "state", "detail"], rows)
    );
    Ok(ExitCode::from(report.exit))
}
