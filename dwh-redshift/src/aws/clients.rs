//! One SDK configuration, from the default credential chain, and the
//! service clients built from it.

use anyhow::bail;
use aws_config::{BehaviorVersion, Region};

use crate::config::DwhConfig;

/// The AWS clients dwh uses, all in one region.
#[derive(Clone, Debug)]
pub struct Aws {
    pub region: String,
    pub iam: aws_sdk_iam::Client,
    pub redshift: aws_sdk_redshift::Client,
    pub ec2: aws_sdk_ec2::Client,
    pub s3: aws_sdk_s3::Client,
}

impl Aws {
    /// Credentials come only from the SDK's default chain (environment,
    /// profile, SSO, process); the region from dwh.toml, else that chain.
    /// `AWS_ENDPOINT_URL` (an emulator) is honoured for every service.
    pub async fn connect(config: &DwhConfig) -> anyhow::Result<Aws> {
        Aws::connect_region(config.aws.region.as_deref()).await
    }

    pub async fn connect_region(region: Option<&str>) -> anyhow::Result<Aws> {
        let sdk = sdk_config(region).await?;
        let region = sdk.region().map(|r| r.to_string()).unwrap_or_default();
        Ok(Aws {
            region,
            iam: aws_sdk_iam::Client::new(&sdk),
            redshift: aws_sdk_redshift::Client::new(&sdk),
            ec2: aws_sdk_ec2::Client::new(&sdk),
            s3: s3_client(&sdk),
        })
    }
}

async fn sdk_config(region: Option<&str>) -> anyhow::Result<aws_config::SdkConfig> {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Some(region) = region {
        loader = loader.region(Region::new(region.to_owned()));
    }
    let sdk = loader.load().await;
    if sdk.region().is_none() {
        bail!(
            "no AWS region configured: set `region` in the [aws] section of dwh.toml, DWH_REGION, \
             or AWS_REGION"
        );
    }
    Ok(sdk)
}

/// An S3 client alone (for reading sources), region from the default chain
/// or `DWH_REGION`.
pub async fn s3_only() -> anyhow::Result<aws_sdk_s3::Client> {
    let region = std::env::var("DWH_REGION").ok().filter(|r| !r.is_empty());
    Ok(s3_client(&sdk_config(region.as_deref()).await?))
}

/// With an endpoint override (an emulator, a VPC endpoint) buckets are
/// addressed by path: virtual-host style would need `bucket.localhost` to
/// resolve.
fn s3_client(sdk: &aws_config::SdkConfig) -> aws_sdk_s3::Client {
    let path_style =
        sdk.endpoint_url().is_some() || std::env::var_os("AWS_ENDPOINT_URL_S3").is_some();
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(sdk)
            .force_path_style(path_style)
            .build(),
    )
}
