//! The Redshift cluster: private and encrypted by default, in dwh's own
//! security group, with the S3 read role attached. Create, adopt, wait,
//! delete, and temporary database credentials.

use std::time::Duration;

use anyhow::{anyhow, bail};
use aws_sdk_redshift::operation::create_cluster::builders::CreateClusterFluentBuilder;
use aws_sdk_redshift::types::Tag;

use super::error::{aws_error, ctx, is};
use super::waiter::{self, Backoff, Poll, TokioClock, WaitError};
use super::Aws;
use crate::config::{ClusterSection, PASSWORD_ENV};
use crate::console;

/// What exists of the cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterState {
    pub identifier: String,
    pub status: String,
    pub node_type: String,
    pub nodes: u32,
    /// `(host, port)`, once AWS has assigned it.
    pub endpoint: Option<(String, u16)>,
    pub vpc_id: Option<String>,
    pub security_groups: Vec<String>,
    pub iam_roles: Vec<String>,
    pub publicly_accessible: bool,
    pub encrypted: bool,
    pub database: String,
    pub user: String,
}

impl ClusterState {
    /// Slices of the whole cluster: the unit COPY parallelises over.
    pub fn slices(&self) -> u32 {
        slices_per_node(&self.node_type) * self.nodes.max(1)
    }

    /// Whether the role called `name` is attached.
    pub fn has_role(&self, name: &str) -> bool {
        let suffix = format!("/{name}");
        self.iam_roles.iter().any(|arn| arn.ends_with(&suffix))
    }

    pub fn is_available(&self) -> bool {
        self.status == "available"
    }
}

/// Slices per node of each node type (Redshift management guide, "Node
/// type details"); unknown types count as 2, the smallest.
pub fn slices_per_node(node_type: &str) -> u32 {
    match node_type {
        "ra3.16xlarge" | "dc2.8xlarge" | "ds2.8xlarge" => 16,
        "ra3.4xlarge" => 4,
        _ => 2,
    }
}

/// How a wait for `available` reads a status.
pub fn available_poll(status: &str) -> Result<Poll<()>, String> {
    match status {
        "available" => Ok(Poll::Ready(())),
        "creating" | "modifying" | "rebooting" | "resizing" | "renaming" | "resuming"
        | "updating-hsm" | "available, prep-for-resize" | "available, resize-cleanup"
        | "cancelling-resize" => Ok(Poll::Pending(status.to_owned())),
        "paused" | "pausing" => Err(format!(
            "the cluster is {status}; resume it (aws redshift resume-cluster) and run again"
        )),
        "deleting" | "final-snapshot" => Err(format!(
            "the cluster is being deleted ({status}); wait for `dwh status` to show it gone, then provision again"
        )),
        other => Err(format!(
            "the cluster is `{other}`, which dwh cannot repair; see the Redshift console's events"
        )),
    }
}

/// The identifier of a final snapshot taken at `unix_secs`.
pub fn final_snapshot_id(cluster: &str, unix_secs: u64) -> String {
    format!("{cluster}-final-{unix_secs}")
}

/// Redshift's admin password rules, checked before AWS sees the password,
/// so the error can say which rule (and never echo the password).
pub fn check_password(password: &str) -> anyhow::Result<()> {
    let ok_len = (8..=64).contains(&password.chars().count());
    let upper = password.chars().any(|c| c.is_ascii_uppercase());
    let lower = password.chars().any(|c| c.is_ascii_lowercase());
    let digit = password.chars().any(|c| c.is_ascii_digit());
    let allowed = password
        .chars()
        .all(|c| c.is_ascii_graphic() && !"'\"\\/@".contains(c));
    if !(ok_len && upper && lower && digit && allowed) {
        bail!(
            "{PASSWORD_ENV} does not meet Redshift's rules: 8–64 printable ASCII characters with an \
             uppercase letter, a lowercase letter and a digit, and none of ' \" \\ / @ or space"
        );
    }
    Ok(())
}

/// The password from `DWH_DB_PASSWORD`, if set.
pub fn password_from_env() -> Option<String> {
    std::env::var(PASSWORD_ENV).ok().filter(|p| !p.is_empty())
}

fn state(c: &aws_sdk_redshift::types::Cluster) -> ClusterState {
    ClusterState {
        identifier: c.cluster_identifier().unwrap_or_default().to_owned(),
        status: c.cluster_status().unwrap_or("unknown").to_owned(),
        node_type: c.node_type().unwrap_or_default().to_owned(),
        nodes: c.number_of_nodes().unwrap_or(1).max(1) as u32,
        endpoint: c
            .endpoint()
            .and_then(|e| Some((e.address()?.to_owned(), u16::try_from(e.port()?).ok()?))),
        vpc_id: c.vpc_id().map(str::to_owned),
        security_groups: c
            .vpc_security_groups()
            .iter()
            .filter_map(|g| g.vpc_security_group_id().map(str::to_owned))
            .collect(),
        iam_roles: c
            .iam_roles()
            .iter()
            .filter_map(|r| r.iam_role_arn().map(str::to_owned))
            .collect(),
        publicly_accessible: c.publicly_accessible().unwrap_or(false),
        encrypted: c.encrypted().unwrap_or(false),
        database: c.db_name().unwrap_or_default().to_owned(),
        user: c.master_username().unwrap_or_default().to_owned(),
    }
}

pub async fn describe(aws: &Aws, id: &str) -> anyhow::Result<Option<ClusterState>> {
    match aws
        .redshift
        .describe_clusters()
        .cluster_identifier(id)
        .send()
        .await
    {
        Ok(out) => Ok(out.clusters().first().map(state)),
        Err(e) if is(&e, &["ClusterNotFound", "ClusterNotFoundFault"]) => Ok(None),
        Err(e) => Err(aws_error(format!("reading cluster `{id}`"), e)),
    }
}

/// What `create` needs besides the configuration.
pub struct NewCluster<'a> {
    pub config: &'a ClusterSection,
    pub role_arn: &'a str,
    pub security_group: &'a str,
    /// `None`: AWS generates the admin password and keeps it in Secrets
    /// Manager; dwh then logs in with temporary IAM credentials.
    pub password: Option<String>,
}

/// Starts creating the cluster; one that exists already is adopted.
pub async fn create(aws: &Aws, new: NewCluster<'_>) -> anyhow::Result<ClusterState> {
    let c = new.config;
    let request = create_request(aws, &new)?;
    match send_once_role_visible(request, c, new.role_arn).await? {
        Some(cluster) => Ok(cluster),
        None => describe(aws, &c.identifier).await?.ok_or_else(|| {
            anyhow!(
                "cluster `{}` exists and vanished again; run again",
                c.identifier
            )
        }),
    }
}

/// The CreateCluster call itself, apart from sending it, so that it can be
/// resent unchanged while the role propagates.
fn create_request(aws: &Aws, new: &NewCluster<'_>) -> anyhow::Result<CreateClusterFluentBuilder> {
    let c = new.config;
    let request = aws
        .redshift
        .create_cluster()
        .cluster_identifier(&c.identifier)
        .node_type(&c.node_type)
        .db_name(&c.database)
        .master_username(&c.user)
        .port(i32::from(c.port))
        .iam_roles(new.role_arn)
        .default_iam_role_arn(new.role_arn)
        .vpc_security_group_ids(new.security_group)
        .publicly_accessible(c.publicly_accessible)
        .encrypted(true)
        .tags(Tag::builder().key("managed-by").value("dwh").build());
    let request = if c.nodes <= 1 {
        request.cluster_type("single-node")
    } else {
        request
            .cluster_type("multi-node")
            .number_of_nodes(c.nodes as i32)
    };
    Ok(match &new.password {
        Some(password) => {
            check_password(password)?;
            request.master_user_password(password)
        }
        None => request.manage_master_password(true),
    })
}

/// Sends the request, retrying while a role created seconds ago is not yet
/// visible to Redshift (IAM is eventually consistent). `None`: the cluster
/// exists already.
async fn send_once_role_visible(
    request: CreateClusterFluentBuilder,
    c: &ClusterSection,
    role_arn: &str,
) -> anyhow::Result<Option<ClusterState>> {
    let propagation = Backoff {
        initial: Duration::from_secs(3),
        max: Duration::from_secs(10),
        timeout: Duration::from_secs(90),
    };
    waiter::wait_for(
        &TokioClock::start(),
        propagation,
        || {
            let request = request.clone();
            async move {
                match request.send().await {
                    Ok(out) => Ok(Poll::Ready(out.cluster().map(state))),
                    Err(e) if is(&e, &["ClusterAlreadyExists", "ClusterAlreadyExistsFault"]) => {
                        Ok(Poll::Ready(None))
                    }
                    Err(e) if role_not_ready(&e) => {
                        Ok(Poll::Pending("IAM role not visible yet".into()))
                    }
                    Err(e) => Err(aws_error(format!("creating cluster `{}`", c.identifier), e)),
                }
            }
        },
        |_, _| {},
    )
    .await
    .map_err(|e| match e {
        WaitError::Failed(e) => e,
        timeout => anyhow!(
            "creating cluster `{}`: Redshift does not see role {} ({timeout}); run `dwh provision` again",
            c.identifier,
            role_arn
        ),
    })
}

fn role_not_ready<R>(
    e: &aws_sdk_redshift::error::SdkError<
        aws_sdk_redshift::operation::create_cluster::CreateClusterError,
        R,
    >,
) -> bool {
    use aws_sdk_redshift::error::ProvideErrorMetadata;
    is(
        e,
        &["InvalidParameterValue", "InvalidParameterValueException"],
    ) && e
        .message()
        .is_some_and(|m| m.contains("role") || m.contains("IAM"))
}

/// Attaches the S3 read role to an adopted cluster that lacks it.
pub async fn add_role(aws: &Aws, id: &str, role_arn: &str) -> anyhow::Result<()> {
    aws.redshift
        .modify_cluster_iam_roles()
        .cluster_identifier(id)
        .add_iam_roles(role_arn)
        .send()
        .await
        .map_err(ctx(format!("attaching role {role_arn} to cluster `{id}`")))?;
    Ok(())
}

/// Waits for `available`, showing the status and time waited.
pub async fn wait_available(
    aws: &Aws,
    id: &str,
    timeout: Duration,
) -> anyhow::Result<ClusterState> {
    if let Some(cluster) = describe(aws, id).await? {
        if cluster.status == "available" {
            return Ok(cluster);
        }
    }
    let bar = console::spinner(format!("waiting for cluster `{id}` to be available"));
    let result = waiter::wait_for(
        &TokioClock::start(),
        Backoff::cluster(timeout),
        || async {
            let Some(cluster) = describe(aws, id).await? else {
                bail!(
                    "cluster `{id}` disappeared while dwh waited for it; run `dwh provision` again"
                );
            };
            match available_poll(&cluster.status) {
                Ok(Poll::Ready(())) => Ok(Poll::Ready(cluster)),
                Ok(Poll::Pending(s)) => Ok(Poll::Pending(s)),
                Err(message) => bail!("cluster `{id}`: {message}"),
            }
        },
        |status, waited| {
            bar.set_message(format!("cluster `{id}`: {status} ({}s)", waited.as_secs()))
        },
    )
    .await;
    bar.finish_and_clear();
    result.map_err(|e| match e {
        WaitError::TimedOut {
            waited,
            last_status,
        } => anyhow!(
            "cluster `{id}` is still `{last_status}` after {} min; AWS goes on creating it: run \
             `dwh provision` again to resume waiting, or `dwh status` to look",
            waited.as_secs() / 60
        ),
        WaitError::Failed(e) => e,
    })
}

/// Starts deleting the cluster, with a final snapshot unless `snapshot` is
/// `None`. `false` when there was no cluster.
pub async fn delete(aws: &Aws, id: &str, snapshot: Option<&str>) -> anyhow::Result<bool> {
    let mut request = aws.redshift.delete_cluster().cluster_identifier(id);
    request = match snapshot {
        Some(snapshot) => request
            .skip_final_cluster_snapshot(false)
            .final_cluster_snapshot_identifier(snapshot),
        None => request.skip_final_cluster_snapshot(true),
    };
    match request.send().await {
        Ok(_) => Ok(true),
        Err(e) if is(&e, &["ClusterNotFound", "ClusterNotFoundFault"]) => Ok(false),
        Err(e) if is(&e, &["InvalidClusterState", "InvalidClusterStateFault"]) => Err(aws_error(
            format!("deleting cluster `{id}` (it is busy: wait until `dwh status` shows it available, then run teardown again)"),
            e,
        )),
        Err(e) => Err(aws_error(format!("deleting cluster `{id}`"), e)),
    }
}

/// Waits until the cluster is gone.
pub async fn wait_deleted(aws: &Aws, id: &str, timeout: Duration) -> anyhow::Result<()> {
    let bar = console::spinner(format!("waiting for cluster `{id}` to be deleted"));
    let result = waiter::wait_for(
        &TokioClock::start(),
        Backoff::cluster(timeout),
        || async {
            Ok::<_, anyhow::Error>(match describe(aws, id).await? {
                None => Poll::Ready(()),
                Some(c) => Poll::Pending(c.status),
            })
        },
        |status, waited| {
            bar.set_message(format!("cluster `{id}`: {status} ({}s)", waited.as_secs()))
        },
    )
    .await;
    bar.finish_and_clear();
    result.map_err(|e| match e {
        WaitError::TimedOut {
            waited,
            last_status,
        } => anyhow!(
            "cluster `{id}` is still `{last_status}` after {} min; AWS goes on deleting it: run \
             `dwh teardown` again to finish",
            waited.as_secs() / 60
        ),
        WaitError::Failed(e) => e,
    })
}

/// Database login: `DWH_DB_PASSWORD` with the configured user, else
/// temporary credentials from GetClusterCredentials (15 minutes, for an
/// existing user). The password is never printed.
pub async fn login(aws: &Aws, config: &ClusterSection) -> anyhow::Result<(String, String)> {
    if let Some(password) = password_from_env() {
        return Ok((config.user.clone(), password));
    }
    let out = aws
        .redshift
        .get_cluster_credentials()
        .cluster_identifier(&config.identifier)
        .db_user(&config.user)
        .db_name(&config.database)
        .duration_seconds(900)
        .auto_create(false)
        .send()
        .await
        .map_err(ctx(format!(
            "getting temporary credentials for user `{}` on cluster `{}` (or set {PASSWORD_ENV})",
            config.user, config.identifier
        )))?;
    match (out.db_user(), out.db_password()) {
        (Some(user), Some(password)) => Ok((user.to_owned(), password.to_owned())),
        _ => bail!(
            "GetClusterCredentials returned no user or password for cluster `{}`",
            config.identifier
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_follow_the_node_type() {
        let mut c = ClusterState {
            identifier: "c".into(),
            status: "available".into(),
            node_type: "ra3.4xlarge".into(),
            nodes: 3,
            endpoint: None,
            vpc_id: None,
            security_groups: vec![],
            iam_roles: vec![],
            publicly_accessible: false,
            encrypted: true,
            database: "d".into(),
            user: "u".into(),
        };
        assert_eq!(c.slices(), 12);
        c.node_type = "dc2.large".into();
        assert_eq!(c.slices(), 6);
        assert_eq!(slices_per_node("ra3.16xlarge"), 16);
    }

    #[test]
    fn availability_statuses() {
        assert_eq!(available_poll("available"), Ok(Poll::Ready(())));
        assert_eq!(
            available_poll("creating"),
            Ok(Poll::Pending("creating".into()))
        );
        assert!(available_poll("paused").unwrap_err().contains("resume"));
        assert!(available_poll("deleting").is_err());
        assert!(available_poll("incompatible-network").is_err());
    }

    #[test]
    fn password_rules() {
        check_password("Str0ngEnough").unwrap();
        for bad in [
            "short1A",
            "nouppercase1",
            "NOLOWERCASE1",
            "NoDigitsHere",
            "Has Space1",
            "At@sign1A",
        ] {
            let e = check_password(bad).unwrap_err().to_string();
            assert!(!e.contains(bad), "the password must not be echoed: {e}");
        }
    }

    #[test]
    fn snapshot_ids() {
        assert_eq!(
            final_snapshot_id("dwh-shop", 1700000000),
            "dwh-shop-final-1700000000"
        );
    }
}
