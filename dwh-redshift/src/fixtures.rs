//! What the plan tests of `provision`, `status` and `teardown` share.

use crate::config::DwhConfig;

/// A warehouse `shop`'s configuration, with a bucket and prefix.
pub fn config() -> DwhConfig {
    let mut config = DwhConfig::for_project("shop");
    config.s3.bucket = "dwh-data".into();
    config.s3.prefix = "shop".into();
    config
}
