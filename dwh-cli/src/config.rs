//! `dwh.toml`: what to provision and where the data lives, with `DWH_*`
//! environment overrides, and the import of the classic projects' `dwh.cfg`.
//!
//! The file never holds secrets. AWS credentials come from the SDK's default
//! chain (environment, profile, SSO); the database password from
//! `DWH_DB_PASSWORD` or, by default, temporary IAM credentials.

use std::path::Path;

use anyhow::{bail, Context};
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
            identifier: "dwh-sparkify".into(),
            node_type: "ra3.large".into(),
            nodes: 2,
            database: "sparkify".into(),
            user: "dwh_admin".into(),
            port: 5439,
            publicly_accessible: false,
            sql_endpoint: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IamSection {
    /// The role Redshift assumes to read the data bucket.
    pub role_name: String,
}

impl Default for IamSection {
    fn default() -> Self {
        IamSection {
            role_name: "dwh-sparkify-s3-read".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct S3Section {
    /// The data bucket; bucket names are global, so there is no default.
    pub bucket: String,
    /// Key prefix below which `log_data/`, `song_data/`, manifests and
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
    /// Reads `path` (defaults when it does not exist), applies the `DWH_*`
    /// environment overrides and checks the result.
    pub fn load(path: &Path) -> anyhow::Result<DwhConfig> {
        let mut config = match std::fs::read_to_string(path) {
            Ok(text) => {
                DwhConfig::parse(&text).with_context(|| format!("reading {}", path.display()))?
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => DwhConfig::default(),
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        };
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
        let c = &self.cluster;
        if !is_cluster_identifier(&c.identifier) {
            bail!(
                "cluster.identifier `{}` is not valid: 1–63 lowercase letters, digits and single \
                 hyphens, starting with a letter",
                c.identifier
            );
        }
        if !(1..=128).contains(&c.nodes) {
            bail!("cluster.nodes must be 1 to 128, not {}", c.nodes);
        }
        if !is_db_identifier(&c.database) {
            bail!(
                "cluster.database `{}` is not valid: lowercase letters, digits and underscores, \
                 starting with a letter",
                c.database
            );
        }
        if !is_db_identifier(&c.user) {
            bail!(
                "cluster.user `{}` is not valid: lowercase letters, digits and underscores, \
                 starting with a letter",
                c.user
            );
        }
        if !is_role_name(&self.iam.role_name) {
            bail!(
                "iam.role_name `{}` is not valid: 1–64 letters, digits or +=,.@_-",
                self.iam.role_name
            );
        }
        if !self.s3.bucket.is_empty()
            && !dwh_core::sql::is_s3_uri(&format!("s3://{}", self.s3.bucket))
        {
            bail!(
                "s3.bucket `{}` is not a valid bucket name: 3–63 lowercase letters, digits, dots \
                 and hyphens",
                self.s3.bucket
            );
        }
        if let Some(region) = &self.aws.region {
            if !dwh_core::sql::is_region(region) {
                bail!("aws.region `{region}` is not a region name such as us-west-2");
            }
        }
        Ok(())
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

/// The result of converting a classic `dwh.cfg`.
#[derive(Debug)]
pub struct Imported {
    pub config: DwhConfig,
    /// Secrets found and left out (names only, never values).
    pub dropped_secrets: Vec<String>,
    /// Settings dwh does not need, with why.
    pub notes: Vec<String>,
}

/// Converts the classic projects' INI config (sections CLUSTER, IAM_ROLE,
/// S3, DWH, AWS) into a [`DwhConfig`]. Secrets are dropped, never copied.
pub fn import_ini(text: &str) -> anyhow::Result<Imported> {
    let mut config = DwhConfig::default();
    let mut dropped_secrets = Vec::new();
    let mut notes = Vec::new();
    let mut section = String::new();
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.trim().to_ascii_uppercase();
            continue;
        }
        let Some((key, value)) = line.split_once('=').or_else(|| line.split_once(':')) else {
            bail!("line {}: expected `KEY = value`, found `{line}`", n + 1);
        };
        let key = key.trim().to_ascii_uppercase();
        let value = unquote(value.trim());
        let name = format!("{section}.{key}");
        match (section.as_str(), key.as_str()) {
            (_, "KEY" | "SECRET" | "AWS_ACCESS_KEY_ID" | "AWS_SECRET_ACCESS_KEY" | "TOKEN")
            | (_, "DB_PASSWORD" | "DWH_DB_PASSWORD" | "PASSWORD") => dropped_secrets.push(name),
            (_, "REGION" | "DWH_REGION") if !value.is_empty() => {
                config.aws.region = Some(value.to_owned())
            }
            ("CLUSTER", "HOST" | "DWH_ENDPOINT") | ("DWH", "DWH_ENDPOINT") => notes.push(format!(
                "{name}: not needed, dwh looks the endpoint up from the cluster identifier"
            )),
            (_, "DB_NAME" | "DWH_DB") if !value.is_empty() => {
                config.cluster.database = value.to_owned()
            }
            (_, "DB_USER" | "DWH_DB_USER") if !value.is_empty() => {
                config.cluster.user = value.to_owned()
            }
            (_, "DB_PORT" | "DWH_PORT") if !value.is_empty() => {
                config.cluster.port = value
                    .parse()
                    .with_context(|| format!("{name} = `{value}` is not a port number"))?
            }
            (_, "DWH_CLUSTER_IDENTIFIER" | "CLUSTER_IDENTIFIER") if !value.is_empty() => {
                let lower = value.to_ascii_lowercase();
                if lower != value {
                    notes.push(format!(
                        "{name}: Redshift stores identifiers in lowercase, so `{value}` became `{lower}`"
                    ));
                }
                config.cluster.identifier = lower;
            }
            (_, "DWH_NODE_TYPE" | "NODE_TYPE") if !value.is_empty() => {
                config.cluster.node_type = value.to_owned()
            }
            (_, "DWH_NUM_NODES" | "NUM_NODES") if !value.is_empty() => {
                config.cluster.nodes = value
                    .parse()
                    .with_context(|| format!("{name} = `{value}` is not a number"))?
            }
            (_, "DWH_CLUSTER_TYPE") => notes.push(format!(
                "{name}: implied by cluster.nodes (1 is single-node)"
            )),
            (_, "DWH_IAM_ROLE_NAME" | "ROLE_NAME") if !value.is_empty() => {
                config.iam.role_name = value.to_owned()
            }
            ("IAM_ROLE", "ARN") if !value.is_empty() => match value.rsplit_once(":role/") {
                Some((_, role)) => {
                    config.iam.role_name = role.rsplit('/').next().unwrap_or(role).to_owned()
                }
                None => notes.push(format!("{name}: `{value}` is not a role ARN; ignored")),
            },
            ("S3", "LOG_DATA" | "SONG_DATA") if !value.is_empty() => {
                match value.strip_prefix("s3://").and_then(|r| r.split_once('/')) {
                    Some((bucket, path)) => {
                        config.s3.bucket = bucket.to_owned();
                        // `s3://b/p/log_data` → prefix `p`: dwh keeps both
                        // data sets side by side below one prefix.
                        let path = path.trim_end_matches('/');
                        let parent = path.rsplit_once('/').map(|(p, _)| p).unwrap_or("");
                        config.s3.prefix = parent.to_owned();
                    }
                    None => notes.push(format!("{name}: `{value}` is not an s3:// URI; ignored")),
                }
            }
            ("S3", "LOG_JSONPATH") => notes.push(format!(
                "{name}: not needed, dwh generates the jsonpaths documents from the schema"
            )),
            _ if value.is_empty() => {}
            _ => notes.push(format!("{name}: not a dwh setting; ignored")),
        }
    }
    config.validate()?;
    Ok(Imported {
        config,
        dropped_secrets,
        notes,
    })
}

fn unquote(value: &str) -> &str {
    for q in ['\'', '"'] {
        if let Some(inner) = value.strip_prefix(q).and_then(|v| v.strip_suffix(q)) {
            return inner;
        }
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_secure_and_valid() {
        let config = DwhConfig::default();
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
            prefix = "/sparkify/"
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
        let mut config = DwhConfig::default();
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
        let mut config = DwhConfig::default();
        let bad = config.apply_env(|n| (n == "DWH_NODES").then(|| "four".to_owned()));
        assert!(format!("{:#}", bad.unwrap_err()).contains("DWH_NODES"));
    }

    #[test]
    fn validation_names_the_setting() {
        let mut config = DwhConfig::default();
        config.cluster.identifier = "dwhCluster".into();
        assert!(format!("{:#}", config.validate().unwrap_err()).contains("cluster.identifier"));
        let mut config = DwhConfig::default();
        config.s3.bucket = "My_Bucket".into();
        assert!(format!("{:#}", config.validate().unwrap_err()).contains("s3.bucket"));
        assert!(DwhConfig::default().bucket().is_err());
    }

    #[test]
    fn round_trips_through_toml() {
        let mut config = DwhConfig::default();
        config.s3.bucket = "b-123".into();
        config.network.allowed_cidr = Some("203.0.113.0/24".into());
        assert_eq!(DwhConfig::parse(&config.to_toml()).unwrap(), config);
    }

    const CLASSIC: &str = r#"
[AWS]
KEY=AKIAEXAMPLEKEY
SECRET=wJalrXUtnFEMIEXAMPLESECRET

[DWH]
DWH_CLUSTER_TYPE=multi-node
DWH_NUM_NODES=4
DWH_NODE_TYPE=dc2.large
DWH_IAM_ROLE_NAME=dwhRole
DWH_CLUSTER_IDENTIFIER=dwhCluster
DWH_DB=dwh
DWH_DB_USER=dwhuser
DWH_DB_PASSWORD=Passw0rd
DWH_PORT=5439

[CLUSTER]
HOST='dwhcluster.abc.us-west-2.redshift.amazonaws.com'
DB_NAME='dwh'
DB_USER='dwhuser'
DB_PASSWORD='Passw0rd'
DB_PORT='5439'

[IAM_ROLE]
ARN='arn:aws:iam::123456789012:role/dwhRole'

[S3]
LOG_DATA='s3://udacity-dend/log_data'
LOG_JSONPATH='s3://udacity-dend/log_json_path.json'
SONG_DATA='s3://udacity-dend/song_data'
"#;

    #[test]
    fn imports_the_classic_config_without_secrets() {
        let imported = import_ini(CLASSIC).unwrap();
        let c = &imported.config;
        assert_eq!(c.cluster.identifier, "dwhcluster");
        assert_eq!(c.cluster.nodes, 4);
        assert_eq!(c.cluster.node_type, "dc2.large");
        assert_eq!(c.cluster.database, "dwh");
        assert_eq!(c.cluster.user, "dwhuser");
        assert_eq!(c.cluster.port, 5439);
        assert_eq!(c.iam.role_name, "dwhRole");
        assert_eq!(c.s3.bucket, "udacity-dend");
        assert_eq!(c.s3.prefix, "");
        assert_eq!(
            imported.dropped_secrets,
            [
                "AWS.KEY",
                "AWS.SECRET",
                "DWH.DWH_DB_PASSWORD",
                "CLUSTER.DB_PASSWORD"
            ]
        );
        let toml = c.to_toml();
        for secret in ["AKIA", "wJalr", "Passw0rd"] {
            assert!(!toml.contains(secret), "{toml}");
            assert!(!format!("{imported:?}").contains(secret));
        }
        assert!(imported.notes.iter().any(|n| n.contains("LOG_JSONPATH")));
        assert!(imported
            .notes
            .iter()
            .any(|n| n.contains("became `dwhcluster`")));
        DwhConfig::parse(&toml).unwrap();
    }

    #[test]
    fn import_reports_bad_lines() {
        let e = import_ini("[DWH]\njust words\n").unwrap_err();
        assert!(e.to_string().contains("line 2"));
        let e = import_ini("[DWH]\nDWH_NUM_NODES=many\n").unwrap_err();
        assert!(format!("{e:#}").contains("DWH.DWH_NUM_NODES"));
    }
}
