//! `dwh config import`: the classic projects' `dwh.cfg` (sections AWS, DWH,
//! CLUSTER, IAM_ROLE, S3) as a [`DwhConfig`]. Secrets are dropped, never
//! copied or printed; every problem of the file is reported at once, each
//! naming its INI key (and the dwh.toml setting it feeds).

use std::collections::BTreeMap;

use super::ini::{self, Entry};
use super::DwhConfig;

/// The course's public, read-only data bucket: a source, never the user's.
pub const COURSE_BUCKET: &str = "udacity-dend";

/// The result of converting a classic `dwh.cfg`.
#[derive(Debug, Default)]
pub struct Imported {
    pub config: DwhConfig,
    /// Keys that held a secret, dropped (names only, never values).
    pub secrets: Vec<String>,
    /// What was derived, chosen or left out, and why.
    pub notes: Vec<String>,
}

/// One value found for a dwh.toml setting.
#[derive(Debug)]
struct Candidate {
    origin: String,
    value: String,
    /// Derived from another value (a HOST, an ARN): an explicit key wins.
    derived: bool,
}

#[derive(Default)]
struct Import {
    /// By dwh.toml setting, in the order the file gave them.
    found: BTreeMap<&'static str, Vec<Candidate>>,
    course_bucket: Vec<String>,
    /// The last entry that held a secret, which a wrapped line may continue.
    last_secret: Option<Entry>,
    out: Imported,
    problems: Vec<String>,
}

/// Converts `text`, on the defaults of warehouse `project`; the error
/// lists every problem of the file.
pub fn import_ini(text: &str, project: &str) -> anyhow::Result<Imported> {
    let (entries, mut problems) = ini::parse(text);
    let mut import = Import::default();
    import.out.config = DwhConfig::for_project(project);
    for entry in &entries {
        import.entry(entry);
    }
    problems.append(&mut import.problems);
    let mut imported = import.resolve(&mut problems);
    if problems.is_empty() {
        Ok(imported)
    } else {
        imported.notes.clear();
        let count = problems.len();
        let plural = if count == 1 { "problem" } else { "problems" };
        anyhow::bail!(
            "{count} {plural} (fix them all, then import again):\n  - {}",
            problems.join("\n  - ")
        )
    }
}

/// Whether a key holds a secret, by its name.
fn is_secret(key: &str) -> bool {
    matches!(key, "KEY" | "SECRET" | "TOKEN")
        || ["PASSWORD", "SECRET", "ACCESS_KEY", "SESSION_TOKEN"]
            .iter()
            .any(|s| key.contains(s))
}

impl Import {
    fn add(&mut self, setting: &'static str, entry: &Entry, value: &str, derived: bool) {
        self.found.entry(setting).or_default().push(Candidate {
            origin: entry.name(),
            value: value.to_owned(),
            derived,
        });
    }

    fn note(&mut self, entry: &Entry, text: &str) {
        self.out.notes.push(format!("{}: {text}", entry.name()));
    }

    fn entry(&mut self, e: &Entry) {
        let (section, key) = (e.section.to_ascii_uppercase(), e.key.to_ascii_uppercase());
        let after_secret = self.last_secret.take().filter(|s| s.line + 1 == e.line);
        if is_secret(&key) {
            self.last_secret = Some(e.clone());
            // An empty secret is a template's blank: nothing to drop or rotate.
            if !e.value.is_empty() {
                self.out.secrets.push(e.name());
            }
            return;
        }
        if e.value.is_empty() {
            return;
        }
        if let Some(line) = e.continued_at {
            self.problems.push(format!(
                "{} (line {}) continues on line {line}: put its value on one line",
                e.name(),
                e.line
            ));
            return;
        }
        self.setting(e, &section, &key, after_secret);
    }

    /// Which dwh.toml setting a key feeds, if any.
    fn setting(&mut self, e: &Entry, section: &str, key: &str, after_secret: Option<Entry>) {
        let value = e.value.as_str();
        match (section, key) {
            (_, "REGION" | "DWH_REGION" | "AWS_REGION") => self.add("aws.region", e, value, false),
            (_, "HOST" | "DWH_ENDPOINT" | "ENDPOINT") => self.host(e),
            (_, "DB_NAME" | "DWH_DB" | "DWH_DB_NAME") => {
                self.add("cluster.database", e, value, false)
            }
            (_, "DB_USER" | "DWH_DB_USER") => self.add("cluster.user", e, value, false),
            (_, "DB_PORT" | "DWH_PORT" | "DWH_DB_PORT") => {
                self.add("cluster.port", e, value, false)
            }
            (_, "DWH_CLUSTER_IDENTIFIER" | "CLUSTER_IDENTIFIER") => self.identifier(e),
            (_, "DWH_NODE_TYPE" | "NODE_TYPE") => self.add("cluster.node_type", e, value, false),
            (_, "DWH_NUM_NODES" | "NUM_NODES") => self.add("cluster.nodes", e, value, false),
            (_, "DWH_CLUSTER_TYPE" | "CLUSTER_TYPE") if value == "single-node" => {
                self.add("cluster.nodes", e, "1", true)
            }
            (_, "DWH_CLUSTER_TYPE" | "CLUSTER_TYPE") => {
                self.note(e, "implied by cluster.nodes (1 is single-node)")
            }
            (_, "DWH_IAM_ROLE_NAME" | "IAM_ROLE_NAME" | "ROLE_NAME") => {
                self.add("iam.role_name", e, value, false)
            }
            ("IAM_ROLE", "ARN") | (_, "DWH_ROLE_ARN" | "ROLE_ARN" | "IAM_ROLE_ARN") => {
                self.role_arn(e)
            }
            // The classic config names each data folder `<FOLDER>_DATA`.
            ("S3", data) if data.ends_with("_DATA") => self.data(e, key),
            ("S3", "LOG_JSONPATH") => self.note(
                e,
                "not needed, dwh generates the jsonpaths documents from the schema",
            ),
            _ => self.unknown(e, after_secret),
        }
    }

    /// The cluster identifier, lowercased as Redshift stores it (with a
    /// note when that changed it, so the user is not surprised).
    fn identifier(&mut self, e: &Entry) {
        let value = e.value.as_str();
        let lower = value.to_ascii_lowercase();
        if lower != value {
            self.note(
                e,
                &format!("Redshift stores identifiers in lowercase, so `{value}` became `{lower}`"),
            );
        }
        self.add("cluster.identifier", e, &lower, false)
    }

    /// A role ARN: dwh.toml names the role, so only its name (after any
    /// path) is kept.
    fn role_arn(&mut self, e: &Entry) {
        let value = e.value.as_str();
        match value.rsplit_once(":role/") {
            Some((_, role)) => {
                let role = role.rsplit('/').next().unwrap_or(role);
                self.add("iam.role_name", e, role, true)
            }
            None => self.note(e, &format!("`{value}` is not a role ARN; ignored")),
        }
    }

    /// A key that is no dwh setting. Right below a secret, an unknown "key"
    /// may be the secret's wrapped tail: not named.
    fn unknown(&mut self, e: &Entry, after_secret: Option<Entry>) {
        match after_secret {
            Some(secret) => self.out.notes.push(format!(
                "line {} (after {}): not a dwh setting; ignored and not shown, as it may be \
                 the end of a wrapped secret",
                e.line,
                secret.name()
            )),
            None => self.note(e, "not a dwh setting; ignored"),
        }
    }

    /// `name.xxxx.region.redshift.amazonaws.com[:port]`: the cluster
    /// identifier and region; dwh looks the endpoint itself up.
    fn host(&mut self, e: &Entry) {
        let host = e
            .value
            .rsplit_once(':')
            .map_or(e.value.as_str(), |(h, _)| h);
        let host = host.to_ascii_lowercase();
        let labels: Vec<&str> = host.split('.').collect();
        match labels.as_slice() {
            [id, _, region, "redshift", "amazonaws", "com", ..] => {
                let (id, region) = (id.to_string(), region.to_string());
                self.add("cluster.identifier", e, &id, true);
                self.add("aws.region", e, &region, true);
                self.note(e, &format!(
                    "dwh looks the endpoint up itself; took cluster `{id}` and region `{region}` from it"
                ));
            }
            _ => self.note(e, "not a Redshift cluster endpoint (name.xxxx.region.redshift.amazonaws.com); ignored"),
        }
    }

    /// `s3://bucket/prefix/log_data`: the bucket and prefix dwh uploads to.
    fn data(&mut self, e: &Entry, key: &str) {
        let Some((bucket, path)) = e
            .value
            .strip_prefix("s3://")
            .map(|r| r.split_once('/').unwrap_or((r, "")))
        else {
            return self.note(e, &format!("`{}` is not an s3:// URI; ignored", e.value));
        };
        if bucket == COURSE_BUCKET {
            return self.course_bucket.push(e.name());
        }
        // dwh keeps the staging folders side by side below one prefix: a
        // path ending in the key's own name (`…/log_data` for `LOG_DATA`)
        // gives its parent; any other path is kept whole.
        let path = path.trim_matches('/');
        let own = key.to_ascii_lowercase();
        let prefix = match path.rsplit_once('/') {
            Some((parent, last)) if last == own => parent,
            None if path == own => "",
            _ => path,
        };
        self.add("s3.location", e, &format!("{bucket}/{prefix}"), false);
    }

    /// Picks one value per setting (explicit over derived, then the
    /// first), says so when values differ, and checks the result.
    fn resolve(mut self, problems: &mut Vec<String>) -> Imported {
        if !self.course_bucket.is_empty() {
            self.out.notes.push(format!(
                "{}: s3://{COURSE_BUCKET} is the course's public, read-only bucket, a source \
                 and not yours: dwh uploads the data to a bucket of your own (`dwh upload`); \
                 set `bucket` in [s3]",
                self.course_bucket.join(", ")
            ));
        }
        let mut origins: BTreeMap<&'static str, String> = BTreeMap::new();
        for (setting, candidates) in std::mem::take(&mut self.found) {
            let chosen = candidates
                .iter()
                .find(|c| !c.derived)
                .unwrap_or(&candidates[0]);
            let others: Vec<&Candidate> = candidates
                .iter()
                .filter(|c| c.value != chosen.value)
                .collect();
            if !others.is_empty() {
                self.out.notes.push(differ(setting, chosen, &others));
            }
            match set(&mut self.out.config, setting, &chosen.value) {
                Ok(()) => {
                    origins.insert(setting, chosen.origin.clone());
                }
                Err(e) => problems.push(format!("{} ({setting}): {e}", chosen.origin)),
            }
        }
        for (setting, message) in self.out.config.problems() {
            let origin = origins
                .get(setting)
                .map(|o| format!("{o} "))
                .unwrap_or_default();
            problems.push(format!("{origin}({setting}): {message}"));
        }
        self.out
    }
}

fn differ(setting: &str, chosen: &Candidate, others: &[&Candidate]) -> String {
    let other_names: Vec<&str> = others.iter().map(|c| c.origin.as_str()).collect();
    let (what, kept) = match setting {
        "s3.location" => {
            let bucket = |c: &Candidate| c.value.split('/').next().unwrap_or("").to_owned();
            if others.iter().any(|c| bucket(c) != bucket(chosen)) {
                ("two different buckets", bucket(chosen))
            } else {
                ("two different prefixes", chosen.value.clone())
            }
        }
        _ => ("different values", chosen.value.clone()),
    };
    format!(
        "{} and {} name {what} for {setting}: kept `{kept}` ({}); put the data of {} there too, \
         or edit dwh.toml",
        chosen.origin,
        other_names.join(", "),
        chosen.origin,
        other_names.join(", ")
    )
}

/// Sets one dwh.toml setting from its text.
fn set(config: &mut DwhConfig, setting: &str, value: &str) -> Result<(), String> {
    let c = &mut config.cluster;
    match setting {
        "aws.region" => config.aws.region = Some(value.to_owned()),
        "cluster.identifier" => c.identifier = value.to_owned(),
        "cluster.node_type" => c.node_type = value.to_owned(),
        "cluster.database" => c.database = value.to_owned(),
        "cluster.user" => c.user = value.to_owned(),
        "cluster.nodes" => {
            c.nodes = value
                .parse()
                .map_err(|_| format!("`{value}` is not a number of nodes"))?
        }
        "cluster.port" => {
            c.port = value
                .parse()
                .map_err(|_| format!("`{value}` is not a port number (1–65535)"))?
        }
        "iam.role_name" => config.iam.role_name = value.to_owned(),
        "s3.location" => {
            let (bucket, prefix) = value.split_once('/').unwrap_or((value, ""));
            config.s3.bucket = bucket.to_owned();
            config.s3.prefix = prefix.to_owned();
        }
        other => unreachable!("no setting {other}"),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let imported = import_ini(CLASSIC, "shop").unwrap();
        let c = &imported.config;
        assert_eq!(c.cluster.identifier, "dwhcluster");
        assert_eq!(c.aws.region.as_deref(), Some("us-west-2"));
        assert_eq!(c.cluster.nodes, 4);
        assert_eq!(c.cluster.node_type, "dc2.large");
        assert_eq!(
            (c.cluster.database.as_str(), c.cluster.user.as_str()),
            ("dwh", "dwhuser")
        );
        assert_eq!(c.cluster.port, 5439);
        assert_eq!(c.iam.role_name, "dwhRole");
        assert_eq!(c.s3.bucket, "", "the course bucket is not the user's");
        assert_eq!(
            imported.secrets,
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
        let notes = imported.notes.join("\n");
        assert!(notes.contains("S3.LOG_JSONPATH"), "{notes}");
        assert!(notes.contains("became `dwhcluster`"), "{notes}");
        assert!(
            notes.contains("S3.LOG_DATA, S3.SONG_DATA: s3://udacity-dend"),
            "{notes}"
        );
        DwhConfig::parse(&toml).unwrap();
    }

    #[test]
    fn prefixes_are_kept_whole_unless_they_end_in_the_data_set() {
        let location = |log: &str| {
            let c = import_ini(&format!("[S3]\nLOG_DATA={log}\n"), "shop")
                .unwrap()
                .config;
            format!("{}|{}", c.s3.bucket, c.s3.prefix)
        };
        assert_eq!(location("s3://b-1/raw/events"), "b-1|raw/events");
        assert_eq!(location("s3://b-1/p/log_data/"), "b-1|p");
        assert_eq!(location("s3://b-1/log_data"), "b-1|");
        assert_eq!(location("s3://b-1"), "b-1|");
    }

    #[test]
    fn explicit_keys_win_over_derived_ones_and_differences_are_named() {
        let imported = import_ini(
            "[CLUSTER]\nHOST=from-host.x.eu-west-1.redshift.amazonaws.com\n\
             [DWH]\nDWH_CLUSTER_IDENTIFIER=explicit\n",
            "shop",
        )
        .unwrap();
        assert_eq!(imported.config.cluster.identifier, "explicit");
        assert_eq!(imported.config.aws.region.as_deref(), Some("eu-west-1"));
        let notes = imported.notes.join("\n");
        assert!(
            notes.contains("kept `explicit` (DWH.DWH_CLUSTER_IDENTIFIER)"),
            "{notes}"
        );
    }

    #[test]
    fn every_problem_is_reported_with_its_ini_key() {
        let e = import_ini(
            "[DWH]\njust words\nDWH_NUM_NODES=many\nDWH_NODE_TYPE=x1\n",
            "shop",
        )
        .unwrap_err()
        .to_string();
        assert!(e.starts_with("3 problems"), "{e}");
        assert!(e.contains("line 2"), "{e}");
        assert!(
            e.contains("DWH.DWH_NUM_NODES (cluster.nodes): `many`"),
            "{e}"
        );
        assert!(
            e.contains("DWH.DWH_NODE_TYPE (cluster.node_type): `x1`"),
            "{e}"
        );
    }
}
