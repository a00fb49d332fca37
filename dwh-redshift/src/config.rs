//! `dwh.toml`: what to provision and where the data lives, with `DWH_*`
//! environment overrides, and the import of the classic projects' `dwh.cfg`.
//!
//! The file never holds secrets. AWS credentials come from the SDK's default
//! chain (environment, profile, SSO); the database password from
//! `DWH_DB_PASSWORD` or, by default, temporary IAM credentials.

use std::path::Path;

use anyhow::{bail, Context};

pub mod import;
mod ini;

use serde::{Deserialize, Serialize};

/// The environment variable holding the database password, when one is used.
pub const PASSWORD_ENV: &str = "DWH_DB_PASSWORD";

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DwhConfig {
    pub aws: AwsSection,
    pub cluster: ClusterSection,
    pub iam: IamSection,
    pub s3: S3Section,
    pub network: NetworkSection,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AwsSection {
    /// The AWS region; unset: the SDK's own chain (`AWS_REGION`, profile).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClusterSection {
    pub identifier: String,
    pub node_type: String,
    /// 1 makes a single-node cluster.
    pub nodes: u32,
    pub database: String,
    pub user: String,
    pub port: u16,
    /// Reachable from outside its VPC; off by default (AWS's default too).
    pub publicly_accessible: bool,
    /// `host:port` to send SQL to instead of the cluster endpoint: an SSH or
    /// SSM tunnel to a private cluster, or a local engine in tests.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sql_endpoint: Option<String>,
}

impl Default for ClusterSection {
    fn default() -> Self {
        ClusterSection {
            identifier: String::new(),
            node_type: "ra3.large".into(),
            nodes: 2,
            database: String::new(),
            user: "dwh_admin".into(),
            port: 5439,
            publicly_accessible: false,
            sql_endpoint: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IamSection {
    /// The role Redshift assumes to read the data bucket.
    pub role_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct S3Section {
    /// The data bucket; bucket names are global, so there is no default.
    pub bucket: String,
    /// Key prefix below which the staging folders, manifests and
    /// jsonpaths live (no leading or trailing slash).
    pub prefix: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NetworkSection {
    /// A CIDR that `dwh provision` lets reach the cluster port, e.g. your
    /// office's `203.0.113.0/24`. Unset: no ingress (use a tunnel, or
    /// `dwh open-port`). A public range is never opened from here.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_cidr: Option<String>,
}

/// `(variable, what it sets)`, for `--help` and the README.
pub const ENV_OVERRIDES: &[(&str, &str)] = &[
    ("DWH_REGION", "aws.region"),
    ("DWH_CLUSTER_IDENTIFIER", "cluster.identifier"),
    ("DWH_NODE_TYPE", "cluster.node_type"),
    ("DWH_NODES", "cluster.nodes"),
    ("DWH_DB_NAME", "cluster.database"),
    ("DWH_DB_USER", "cluster.user"),
    ("DWH_DB_PORT", "cluster.port"),
    ("DWH_PUBLICLY_ACCESSIBLE", "cluster.publicly_accessible"),
    ("DWH_SQL_ENDPOINT", "cluster.sql_endpoint"),
    ("DWH_ROLE_NAME", "iam.role_name"),
    ("DWH_BUCKET", "s3.bucket"),
    ("DWH_S3_PREFIX", "s3.prefix"),
    ("DWH_ALLOWED_CIDR", "network.allowed_cidr"),
];

impl DwhConfig {
    /// The defaults for warehouse project `name`: cluster `dwh-NAME`,
    /// database `NAME` (`-` made `_`), role `dwh-NAME-s3-read`.
    pub fn for_project(name: &str) -> DwhConfig {
        let mut config = DwhConfig::default();
        config.fill_project_defaults(name);
        config
    }

    /// Fills the settings whose default depends on the project's name.
    fn fill_project_defaults(&mut self, name: &str) {
        if self.cluster.identifier.is_empty() {
            self.cluster.identifier = format!("dwh-{}", name.replace('_', "-"));
        }
        if self.cluster.database.is_empty() {
            self.cluster.database = name.replace('-', "_");
        }
        if self.iam.role_name.is_empty() {
            self.iam.role_name = format!("dwh-{name}-s3-read");
        }
    }

    /// Reads `path` (the defaults of warehouse `project` when it does not
    /// exist), applies the `DWH_*` environment overrides and checks the result.
    pub fn load(path: &Path, project: &str) -> anyhow::Result<DwhConfig> {
        let mut config = match std::fs::read_to_string(path) {
            Ok(text) => {
                DwhConfig::parse(&text).with_context(|| format!("reading {}", path.display()))?
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => DwhConfig::default(),
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        };
        config.fill_project_defaults(project);
        config.apply_env(|name| std::env::var(name).ok())?;
        config.validate()?;
        Ok(config)
    }

    /// Parses TOML text, refusing secrets with a message that says where they go.
    pub fn parse(text: &str) -> anyhow::Result<DwhConfig> {
        if let Some(key) = secret_key_in(text) {
            bail!(
                "`{key}` looks like a secret: dwh.toml must not hold secrets. Remove it; AWS \
                 credentials come from the AWS SDK chain (environment, profile, SSO) and the \
                 database password from {PASSWORD_ENV} or temporary IAM credentials"
            );
        }
        Ok(toml::from_str(text)?)
    }

    /// Applies `DWH_*` overrides read through `env`.
    pub fn apply_env(&mut self, env: impl Fn(&str) -> Option<String>) -> anyhow::Result<()> {
        let get = |name: &str| env(name).filter(|v| !v.trim().is_empty());
        let number = |name: &str, value: String| -> anyhow::Result<u64> {
            value
                .trim()
                .parse()
                .with_context(|| format!("{name}=`{value}` is not a number"))
        };
        if let Some(v) = get("DWH_REGION") {
            self.aws.region = Some(v);
        }
        if let Some(v) = get("DWH_CLUSTER_IDENTIFIER") {
            self.cluster.identifier = v;
        }
        if let Some(v) = get("DWH_NODE_TYPE") {
            self.cluster.node_type = v;
        }
        if let Some(v) = get("DWH_NODES") {
            self.cluster.nodes = u32::try_from(number("DWH_NODES", v)?)?;
        }
        if let Some(v) = get("DWH_DB_NAME") {
            self.cluster.database = v;
        }
        if let Some(v) = get("DWH_DB_USER") {
            self.cluster.user = v;
        }
        if let Some(v) = get("DWH_DB_PORT") {
            self.cluster.port = u16::try_from(number("DWH_DB_PORT", v)?)?;
        }
        if let Some(v) = get("DWH_PUBLICLY_ACCESSIBLE") {
            self.cluster.publicly_accessible = matches!(
                v.trim().to_ascii_lowercase().as_str(),
                "1" | "true" | "yes" | "on"
            );
        }
        if let Some(v) = get("DWH_SQL_ENDPOINT") {
            self.cluster.sql_endpoint = Some(v);
        }
        if let Some(v) = get("DWH_ROLE_NAME") {
            self.iam.role_name = v;
        }
        if let Some(v) = get("DWH_BUCKET") {
            self.s3.bucket = v;
        }
        if let Some(v) = get("DWH_S3_PREFIX") {
            self.s3.prefix = v;
        }
        if let Some(v) = get("DWH_ALLOWED_CIDR") {
            self.network.allowed_cidr = Some(v);
        }
        self.s3.prefix = self.s3.prefix.trim_matches('/').to_owned();
        Ok(())
    }

    /// Checks names AWS would reject, so the error names the setting.
    pub fn validate(&self) -> anyhow::Result<()> {
        let problems: Vec<String> = self
            .problems()
            .into_iter()
            .map(|(setting, message)| format!("{setting} {message}"))
            .collect();
        if !problems.is_empty() {
            bail!("{}", problems.join("\n"));
        }
        Ok(())
    }

    /// Every value AWS would reject: `(setting, what is wrong)`.
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut problems = cluster_problems(&self.cluster);
        problems.extend(self.account_problems());
        problems
    }

    /// The IAM, S3 and region settings AWS would reject, checked apart from
    /// the cluster because they name account-wide resources.
    fn account_problems(&self) -> Vec<(&'static str, String)> {
        let mut problems = Problems::default();
        problems.check(
            is_role_name(&self.iam.role_name),
            "iam.role_name",
            format!(
                "`{}` is not valid: 1–64 letters, digits or +=,.@_-",
                self.iam.role_name
            ),
        );
        problems.check(
            self.s3.bucket.is_empty()
                || dwh_core::sql::is_s3_uri(&format!("s3://{}", self.s3.bucket)),
            "s3.bucket",
            format!(
                "`{}` is not a valid bucket name: 3–63 lowercase letters, digits, dots and hyphens",
                self.s3.bucket
            ),
        );
        if let Some(region) = &self.aws.region {
            problems.check(
                dwh_core::sql::is_region(region),
                "aws.region",
                format!("`{region}` is not a region name such as us-west-2"),
            );
        }
        problems.0
    }

    /// The data bucket, or an error that says how to set it.
    pub fn bucket(&self) -> anyhow::Result<&str> {
        if self.s3.bucket.is_empty() {
            bail!("no data bucket configured: set `bucket` in the [s3] section of dwh.toml, or DWH_BUCKET");
        }
        Ok(&self.s3.bucket)
    }

    /// As TOML, for `dwh config show` and `dwh config import`.
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).unwrap_or_default()
    }
}

/// The failed checks, `(setting, what is wrong)`, collected so that each
/// check reads as one condition beside its message.
#[derive(Default)]
struct Problems(Vec<(&'static str, String)>);

impl Problems {
    fn check(&mut self, ok: bool, setting: &'static str, message: String) {
        if !ok {
            self.0.push((setting, message));
        }
    }
}

/// The `[cluster]` settings AWS would reject: names, node type and count.
fn cluster_problems(c: &ClusterSection) -> Vec<(&'static str, String)> {
    let mut problems = Problems::default();
    problems.check(
        is_cluster_identifier(&c.identifier),
        "cluster.identifier",
        format!(
            "`{}` is not valid: 1–63 lowercase letters, digits and single hyphens, starting \
             with a letter",
            c.identifier
        ),
    );
    problems.check(
        NODE_TYPES.contains(&c.node_type.as_str()),
        "cluster.node_type",
        format!(
            "`{}` is not a Redshift node type: use one of {}",
            c.node_type,
            NODE_TYPES.join(", ")
        ),
    );
    problems.check(
        (1..=128).contains(&c.nodes),
        "cluster.nodes",
        format!("must be 1 to 128, not {}", c.nodes),
    );
    for (setting, value) in [("cluster.database", &c.database), ("cluster.user", &c.user)] {
        problems.check(
            is_db_identifier(value),
            setting,
            format!(
                "`{value}` is not valid: lowercase letters, digits and underscores, starting \
                 with a letter"
            ),
        );
    }
    problems.0
}

/// The node types CreateCluster accepts (Redshift API reference,
/// CreateCluster `NodeType`, "Valid Values"; dc1 and ds2 are retired):
/// https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/redshift/aws.sdk.kotlin.services.redshift.model/-create-cluster-request/node-type.html
pub const NODE_TYPES: &[&str] = &[
    "ra3.large",
    "ra3.xlplus",
    "ra3.4xlarge",
    "ra3.16xlarge",
    "dc2.large",
    "dc2.8xlarge",
];

fn is_cluster_identifier(s: &str) -> bool {
    (1..=63).contains(&s.len())
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !s.ends_with('-')
        && !s.contains("--")
}

fn is_db_identifier(s: &str) -> bool {
    (1..=63).contains(&s.len())
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn is_role_name(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c))
}

/// A key of a TOML text whose name says it holds a secret.
fn secret_key_in(text: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let key = line.split_once('=')?.0.trim().trim_matches('"');
        let lower = key.to_ascii_lowercase();
        let secret = ["password", "secret", "access_key", "session_token"]
            .iter()
            .any(|s| lower.contains(s));
        (secret && !line.trim_start().starts_with('#')).then(|| key.to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_secure_and_valid() {
        let config = DwhConfig::for_project("shop");
        assert!(!config.cluster.publicly_accessible);
        assert!(config.network.allowed_cidr.is_none());
        config.validate().unwrap();
    }

    #[test]
    fn parses_a_full_file() {
        let config = DwhConfig::parse(
            r#"
            [aws]
            region = "eu-central-1"
            [cluster]
            identifier = "my-dwh"
            nodes = 4
            [s3]
            bucket = "my-data"
            prefix = "/shop/"
            "#,
        )
        .unwrap();
        assert_eq!(config.aws.region.as_deref(), Some("eu-central-1"));
        assert_eq!(config.cluster.nodes, 4);
        assert_eq!(config.cluster.node_type, "ra3.large");
        assert_eq!(config.s3.bucket, "my-data");
    }

    #[test]
    fn refuses_secrets_and_unknown_keys() {
        let e = DwhConfig::parse("[cluster]\npassword = \"hunter2\"\n").unwrap_err();
        let message = format!("{e:#}");
        assert!(message.contains("`password`"), "{message}");
        assert!(!message.contains("hunter2"), "{message}");
        assert!(DwhConfig::parse("[cluster]\nnode_typ = \"x\"\n").is_err());
        // A commented-out key is not a secret in the file.
        DwhConfig::parse("# password = \"x\"\n").unwrap();
    }

    #[test]
    fn env_overrides_win() {
        let mut config = DwhConfig::for_project("shop");
        let env = |name: &str| match name {
            "DWH_NODES" => Some("1".to_owned()),
            "DWH_BUCKET" => Some("env-bucket".to_owned()),
            "DWH_S3_PREFIX" => Some("a/b/".to_owned()),
            "DWH_PUBLICLY_ACCESSIBLE" => Some("true".to_owned()),
            "DWH_REGION" => Some("  ".to_owned()),
            _ => None,
        };
        config.apply_env(env).unwrap();
        assert_eq!(config.cluster.nodes, 1);
        assert_eq!(config.s3.bucket, "env-bucket");
        assert_eq!(config.s3.prefix, "a/b");
        assert!(config.cluster.publicly_accessible);
        assert_eq!(config.aws.region, None, "blank values are ignored");
        let mut config = DwhConfig::for_project("shop");
        let bad = config.apply_env(|n| (n == "DWH_NODES").then(|| "four".to_owned()));
        assert!(format!("{:#}", bad.unwrap_err()).contains("DWH_NODES"));
    }

    #[test]
    fn validation_names_the_setting() {
        let mut config = DwhConfig::for_project("shop");
        config.cluster.identifier = "dwhCluster".into();
        assert!(format!("{:#}", config.validate().unwrap_err()).contains("cluster.identifier"));
        let mut config = DwhConfig::for_project("shop");
        config.s3.bucket = "My_Bucket".into();
        assert!(format!("{:#}", config.validate().unwrap_err()).contains("s3.bucket"));
        assert!(DwhConfig::for_project("shop").bucket().is_err());
        let mut config = DwhConfig::for_project("shop");
        config.cluster.node_type = "dc1.large".into();
        config.cluster.user = "1user".into();
        let message = format!("{:#}", config.validate().unwrap_err());
        assert!(
            message.contains("cluster.node_type `dc1.large` is not a Redshift node type")
                && message.contains("cluster.user `1user`"),
            "every problem at once: {message}"
        );
    }

    #[test]
    fn round_trips_through_toml() {
        let mut config = DwhConfig::for_project("shop");
        config.s3.bucket = "b-123".into();
        config.network.allowed_cidr = Some("203.0.113.0/24".into());
        assert_eq!(DwhConfig::parse(&config.to_toml()).unwrap(), config);
    }
}
