#![warn(missing_docs)]

//! The Redshift target of dwh, and the AWS resources it runs on: a
//! [`dwh_core::Project`] provisioned (IAM role, security group, cluster),
//! its data uploaded to S3 and loaded with `COPY`, and the cluster as the
//! pipeline's target, without the dwh command line.
//!
//! dwh-core has no AWS dependency; this crate composes it with the AWS SDK.
//! The dwh command line (dwh-cli's `redshift` feature) prints, asks and
//! shows spinners around these calls; the work is here.
//!
//! - [`config`]: `dwh.toml` ([`DwhConfig`]) and the import of a classic
//!   `dwh.cfg`.
//! - [`aws`]: the SDK clients and one module per resource (`describe`,
//!   create or adopt, delete), S3 upload and source, COPY and its errors.
//! - [`survey`]: what exists, read once; [`provision`], [`status`] and
//!   [`teardown`] plan from it without I/O.
//! - [`target`]: `--target redshift`: the cluster, login, COPY staging.
//! - [`console`]: where the lines and spinners of this crate go.

// This crate's print macros, in textual scope for every module below: they
// shadow std's (which panic on a closed stream) and write through the
// installed [`console`].
macro_rules! println {
    () => { $crate::console::out(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::console::out(format_args!("{}\n", format_args!($($arg)*))) };
}
macro_rules! eprintln {
    () => { $crate::console::err(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::console::err(format_args!("{}\n", format_args!($($arg)*))) };
}

#[allow(missing_docs)]
pub mod aws;
#[allow(missing_docs)]
pub mod config;
pub mod console;
#[cfg(test)]
mod fixtures;
#[allow(missing_docs)]
pub mod provision;
#[allow(missing_docs)]
pub mod status;
#[allow(missing_docs)]
pub mod survey;
pub mod target;
#[allow(missing_docs)]
pub mod teardown;
pub mod upload;

pub use aws::Aws;
pub use config::DwhConfig;

/// The configuration at `path` (defaults for `project` where it is
/// silent) and AWS clients for it: what every AWS command starts with.
pub async fn load(
    path: &std::path::Path,
    project: &dwh_core::Project,
) -> anyhow::Result<(DwhConfig, Aws)> {
    let config = DwhConfig::load(path, project.name())?;
    let aws = Aws::connect(&config).await?;
    Ok((config, aws))
}
