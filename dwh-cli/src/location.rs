//! Where a run's data is: a local folder or an S3 prefix, one folder per
//! staging source below it. `--data` is parsed into it once, by clap.

use std::path::PathBuf;

/// A data location: one folder per staging source below it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A local directory (given, the project's own, or generated).
    Local(PathBuf),
    /// `s3://bucket/prefix`, as `dwh upload` writes it.
    #[cfg_attr(not(feature = "redshift"), allow(dead_code))]
    S3 { bucket: String, prefix: String },
}

impl Location {
    /// `--data` as given, parsed once by clap: a directory or an `s3://` URI.
    pub fn parse(data: &str) -> anyhow::Result<Location> {
        match data.strip_prefix("s3://").map(|_| data) {
            #[cfg(feature = "redshift")]
            Some(uri) => {
                let (bucket, prefix) = crate::aws::s3::parse_uri(uri)?;
                Ok(Location::S3 { bucket, prefix })
            }
            #[cfg(not(feature = "redshift"))]
            Some(_) => Err(crate::commands::redshift_not_built()),
            None => Ok(Location::Local(PathBuf::from(data))),
        }
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Local(dir) => write!(f, "{}", dir.display()),
            Location::S3 { bucket, prefix } => write!(f, "s3://{bucket}/{prefix}"),
        }
    }
}
