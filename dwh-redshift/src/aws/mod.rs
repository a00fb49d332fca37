//! AWS for dwh: provisioning (IAM role, security group, Redshift cluster),
//! the data bucket, COPY from S3, and S3 as a loader source. dwh-core has
//! no AWS dependency; this crate composes it with the SDK.
//!
//! Each resource module has one job and the same shape: `describe` what
//! exists (`None` when absent), create or adopt it idempotently, delete it
//! treating "already gone" as success, so every command can be re-run
//! after a partial failure.

pub mod clients;
pub mod connect;
pub mod copy;
pub mod ec2;
pub mod error;
pub mod iam;
pub mod incremental;
pub mod layout;
pub mod load_errors;
pub mod plan;
pub mod redshift;
pub mod s3;
pub mod sidecar;
pub mod source;
pub mod upload;
pub mod waiter;

pub use clients::Aws;
