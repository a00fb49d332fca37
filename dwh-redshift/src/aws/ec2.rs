//! Network access: dwh's own VPC security group for the cluster, and the
//! ingress rules on the cluster port. In a VPC (every new cluster) only an
//! EC2 security group opens the port. A new group has no ingress at all.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use anyhow::{anyhow, bail};
use aws_sdk_ec2::types::{
    Filter, IpPermission, IpRange, Ipv6Range, ResourceType, Tag, TagSpecification,
};

use super::error::{aws_error, ctx, is};
use super::waiter::{self, Backoff, Poll, TokioClock};
use super::Aws;

/// The description dwh puts on the rules it adds, so teardown revokes
/// those and nothing a person added by hand.
pub const RULE_DESCRIPTION: &str = "dwh: Redshift port";

/// The security group dwh creates for a cluster.
pub fn group_name(cluster: &str) -> String {
    format!("dwh-{cluster}")
}

/// An IPv4 or IPv6 network in CIDR notation, with no host bits set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    pub addr: IpAddr,
    pub prefix: u8,
}

impl Cidr {
    /// `0.0.0.0/0` or `::/0`: everyone on the internet.
    pub fn is_everyone(&self) -> bool {
        self.prefix == 0
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

impl std::str::FromStr for Cidr {
    type Err = anyhow::Error;

    fn from_str(s: &str) -> anyhow::Result<Cidr> {
        let s = s.trim();
        let (addr, prefix) = s
            .split_once('/')
            .ok_or_else(|| anyhow!("`{s}` is not a CIDR: expected e.g. 203.0.113.7/32"))?;
        let addr: IpAddr = addr
            .parse()
            .map_err(|_| anyhow!("`{s}` is not a CIDR: `{addr}` is not an IP address"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix: u8 = prefix
            .parse()
            .ok()
            .filter(|p| *p <= max)
            .ok_or_else(|| anyhow!("`{s}` is not a CIDR: the prefix length must be 0–{max}"))?;
        let network = match addr {
            IpAddr::V4(a) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
                IpAddr::V4(Ipv4Addr::from(u32::from(a) & mask))
            }
            IpAddr::V6(a) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
                IpAddr::V6(Ipv6Addr::from(u128::from(a) & mask))
            }
        };
        if network != addr {
            bail!("`{s}` has host bits set; did you mean {network}/{prefix}?");
        }
        Ok(Cidr { addr, prefix })
    }
}

/// One ingress rule on the cluster port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ingress {
    pub cidr: String,
    pub description: Option<String>,
}

impl Ingress {
    pub fn added_by_dwh(&self) -> bool {
        self.description.as_deref() == Some(RULE_DESCRIPTION)
    }
}

/// What exists of a security group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupState {
    pub id: String,
    pub name: String,
    pub vpc_id: String,
    /// TCP rules whose port range covers the cluster port.
    pub ingress: Vec<Ingress>,
}

fn group_state(g: &aws_sdk_ec2::types::SecurityGroup, port: u16) -> GroupState {
    let port = i32::from(port);
    let ingress = g
        .ip_permissions()
        .iter()
        .filter(|p| {
            let tcp = matches!(p.ip_protocol(), Some("tcp" | "6" | "-1"));
            let all = p.ip_protocol() == Some("-1");
            tcp && (all || (p.from_port().unwrap_or(0) <= port && port <= p.to_port().unwrap_or(0)))
        })
        .flat_map(|p| {
            let v4 = p.ip_ranges().iter().filter_map(|r| {
                Some(Ingress {
                    cidr: r.cidr_ip()?.to_owned(),
                    description: r.description().map(str::to_owned),
                })
            });
            let v6 = p.ipv6_ranges().iter().filter_map(|r| {
                Some(Ingress {
                    cidr: r.cidr_ipv6()?.to_owned(),
                    description: r.description().map(str::to_owned),
                })
            });
            v4.chain(v6).collect::<Vec<_>>()
        })
        .collect();
    GroupState {
        id: g.group_id().unwrap_or_default().to_owned(),
        name: g.group_name().unwrap_or_default().to_owned(),
        vpc_id: g.vpc_id().unwrap_or_default().to_owned(),
        ingress,
    }
}

/// The default VPC of the region, where a cluster without a subnet group goes.
pub async fn default_vpc(aws: &Aws) -> anyhow::Result<String> {
    let out = aws
        .ec2
        .describe_vpcs()
        .filters(Filter::builder().name("is-default").values("true").build())
        .send()
        .await
        .map_err(ctx(format!("looking up the default VPC of {}", aws.region)))?;
    out.vpcs()
        .iter()
        .find_map(|v| v.vpc_id())
        .map(str::to_owned)
        .ok_or_else(|| {
            anyhow!(
                "region {} has no default VPC, which dwh provisions into; create one with \
                 `aws ec2 create-default-vpc`",
                aws.region
            )
        })
}

/// The group called `name` in `vpc`, if any.
pub async fn find(
    aws: &Aws,
    name: &str,
    vpc: &str,
    port: u16,
) -> anyhow::Result<Option<GroupState>> {
    let out = aws
        .ec2
        .describe_security_groups()
        .filters(Filter::builder().name("group-name").values(name).build())
        .filters(Filter::builder().name("vpc-id").values(vpc).build())
        .send()
        .await
        .map_err(ctx(format!("looking up security group `{name}` in {vpc}")))?;
    Ok(out.security_groups().first().map(|g| group_state(g, port)))
}

/// The group with id `id`, if it exists.
pub async fn describe(aws: &Aws, id: &str, port: u16) -> anyhow::Result<Option<GroupState>> {
    match aws
        .ec2
        .describe_security_groups()
        .group_ids(id)
        .send()
        .await
    {
        Ok(out) => Ok(out.security_groups().first().map(|g| group_state(g, port))),
        Err(e) if is(&e, &["InvalidGroup.NotFound", "InvalidGroupId.NotFound"]) => Ok(None),
        Err(e) => Err(aws_error(format!("reading security group {id}"), e)),
    }
}

/// Creates dwh's group for `cluster` in `vpc` (no ingress rules).
pub async fn create(aws: &Aws, cluster: &str, vpc: &str, port: u16) -> anyhow::Result<GroupState> {
    let name = group_name(cluster);
    let tags = TagSpecification::builder()
        .resource_type(ResourceType::SecurityGroup)
        .tags(Tag::builder().key("managed-by").value("dwh").build())
        .tags(Tag::builder().key("Name").value(&name).build())
        .build();
    match aws
        .ec2
        .create_security_group()
        .group_name(&name)
        .description(format!(
            "Access to Redshift cluster {cluster} (managed by dwh)"
        ))
        .vpc_id(vpc)
        .tag_specifications(tags)
        .send()
        .await
    {
        Ok(out) => Ok(GroupState {
            id: out.group_id().unwrap_or_default().to_owned(),
            name,
            vpc_id: vpc.to_owned(),
            ingress: Vec::new(),
        }),
        Err(e) if is(&e, &["InvalidGroup.Duplicate"]) => find(aws, &name, vpc, port)
            .await?
            .ok_or_else(|| anyhow!("security group `{name}` exists and vanished again; run again")),
        Err(e) => Err(aws_error(
            format!("creating security group `{name}` in {vpc}"),
            e,
        )),
    }
}

fn permission(port: u16, cidr: &Cidr, description: Option<&str>) -> IpPermission {
    let builder = IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(i32::from(port))
        .to_port(i32::from(port));
    let cidr_text = cidr.to_string();
    match cidr.addr {
        IpAddr::V4(_) => builder.ip_ranges(
            IpRange::builder()
                .cidr_ip(cidr_text)
                .set_description(description.map(str::to_owned))
                .build(),
        ),
        IpAddr::V6(_) => builder.ipv6_ranges(
            Ipv6Range::builder()
                .cidr_ipv6(cidr_text)
                .set_description(description.map(str::to_owned))
                .build(),
        ),
    }
    .build()
}

/// Lets `cidr` reach `port`. `false` when the rule was there already
/// (`InvalidPermission.Duplicate` is not an error: re-runs are safe).
pub async fn authorize(aws: &Aws, group: &str, port: u16, cidr: &Cidr) -> anyhow::Result<bool> {
    match aws
        .ec2
        .authorize_security_group_ingress()
        .group_id(group)
        .ip_permissions(permission(port, cidr, Some(RULE_DESCRIPTION)))
        .send()
        .await
    {
        Ok(_) => Ok(true),
        Err(e) if is(&e, &["InvalidPermission.Duplicate"]) => Ok(false),
        Err(e) => Err(aws_error(
            format!("opening port {port} to {cidr} on security group {group}"),
            e,
        )),
    }
}

/// Removes the rule for `cidr` on `port`. `false` when there was none.
pub async fn revoke(aws: &Aws, group: &str, port: u16, cidr: &Cidr) -> anyhow::Result<bool> {
    match aws
        .ec2
        .revoke_security_group_ingress()
        .group_id(group)
        .ip_permissions(permission(port, cidr, None))
        .send()
        .await
    {
        Ok(_) => Ok(true),
        Err(e) if is(&e, &["InvalidPermission.NotFound", "InvalidGroup.NotFound"]) => Ok(false),
        Err(e) => Err(aws_error(
            format!("closing port {port} to {cidr} on security group {group}"),
            e,
        )),
    }
}

/// Deletes the group. Right after its cluster is deleted its network
/// interfaces may linger for a few minutes (DependencyViolation), so this
/// retries with backoff. `false` when there was no group.
pub async fn delete(aws: &Aws, group: &str, timeout: std::time::Duration) -> anyhow::Result<bool> {
    let backoff = Backoff {
        initial: std::time::Duration::from_secs(5),
        max: std::time::Duration::from_secs(30),
        timeout,
    };
    waiter::wait_for(
        &TokioClock::start(),
        backoff,
        || async {
            match aws.ec2.delete_security_group().group_id(group).send().await {
                Ok(_) => Ok(Poll::Ready(true)),
                Err(e) if is(&e, &["InvalidGroup.NotFound"]) => Ok(Poll::Ready(false)),
                Err(e) if is(&e, &["DependencyViolation"]) => Ok(Poll::Pending("in use".into())),
                Err(e) => Err(aws_error(format!("deleting security group {group}"), e)),
            }
        },
        |_, _| {},
    )
    .await
    .map_err(|e| match e {
        waiter::WaitError::Failed(e) => e,
        timeout => anyhow!(
            "security group {group} is still in use ({timeout}); run `dwh teardown` again in a few minutes"
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_cidrs() {
        let c: Cidr = "203.0.113.7/32".parse().unwrap();
        assert_eq!(c.to_string(), "203.0.113.7/32");
        assert!(!c.is_everyone());
        assert!("0.0.0.0/0".parse::<Cidr>().unwrap().is_everyone());
        assert!("::/0".parse::<Cidr>().unwrap().is_everyone());
        assert_eq!("2001:db8::/32".parse::<Cidr>().unwrap().prefix, 32);
        assert_eq!(
            " 10.0.0.0/8 ".parse::<Cidr>().unwrap().to_string(),
            "10.0.0.0/8"
        );
    }

    #[test]
    fn rejects_bad_cidrs_saying_why() {
        let message = |s: &str| s.parse::<Cidr>().unwrap_err().to_string();
        assert!(message("203.0.113.7").contains("expected e.g."));
        assert!(message("203.0.113.300/32").contains("not an IP address"));
        assert!(message("203.0.113.0/33").contains("0–32"));
        assert!(message("203.0.113.7/24").contains("did you mean 203.0.113.0/24?"));
        assert!(message("2001:db8::1/32").contains("did you mean 2001:db8::/32?"));
    }

    #[test]
    fn reads_rules_on_the_cluster_port_only() {
        let group = aws_sdk_ec2::types::SecurityGroup::builder()
            .group_id("sg-1")
            .group_name("dwh-c")
            .vpc_id("vpc-1")
            .ip_permissions(
                IpPermission::builder()
                    .ip_protocol("tcp")
                    .from_port(5439)
                    .to_port(5439)
                    .ip_ranges(
                        IpRange::builder()
                            .cidr_ip("203.0.113.0/24")
                            .description(RULE_DESCRIPTION)
                            .build(),
                    )
                    .ip_ranges(IpRange::builder().cidr_ip("198.51.100.0/24").build())
                    .build(),
            )
            .ip_permissions(
                IpPermission::builder()
                    .ip_protocol("tcp")
                    .from_port(22)
                    .to_port(22)
                    .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
                    .build(),
            )
            .build();
        let state = group_state(&group, 5439);
        assert_eq!(state.ingress.len(), 2);
        assert!(state.ingress[0].added_by_dwh());
        assert!(!state.ingress[1].added_by_dwh());
        assert_eq!(group_state(&group, 22).ingress[0].cidr, "0.0.0.0/0");
    }
}
