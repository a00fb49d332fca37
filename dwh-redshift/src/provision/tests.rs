//! The provisioning plan, from surveys built by hand.

use super::plan::{allowed_cidr, plan, Op};
use crate::aws::ec2::{GroupState, Ingress, RULE_DESCRIPTION};
use crate::aws::iam::RoleState;
use crate::aws::plan::{Action, Plan};
use crate::aws::redshift::ClusterState;
use crate::config::DwhConfig;
use crate::survey::Survey;

use crate::fixtures::config;

fn role(config: &DwhConfig) -> RoleState {
    RoleState {
        arn: format!("arn:aws:iam::123456789012:role/{}", config.iam.role_name),
        trusts_redshift: true,
        policy_current: true,
        managed_policies: Vec::new(),
    }
}

/// A cluster exactly as dwh.toml describes it, with the role attached.
fn cluster(config: &DwhConfig) -> ClusterState {
    let c = &config.cluster;
    ClusterState {
        identifier: c.identifier.clone(),
        status: "available".into(),
        node_type: c.node_type.clone(),
        nodes: c.nodes,
        endpoint: Some(("example.redshift.amazonaws.com".into(), c.port)),
        vpc_id: Some("vpc-1".into()),
        security_groups: vec!["sg-1".into()],
        iam_roles: vec![role(config).arn],
        publicly_accessible: false,
        encrypted: true,
        database: c.database.clone(),
        user: c.user.clone(),
    }
}

fn group(cidrs: &[&str]) -> GroupState {
    GroupState {
        id: "sg-1".into(),
        name: "dwh-dwh-shop".into(),
        vpc_id: "vpc-1".into(),
        ingress: cidrs
            .iter()
            .map(|cidr| Ingress {
                cidr: (*cidr).into(),
                description: Some(RULE_DESCRIPTION.into()),
            })
            .collect(),
    }
}

fn nothing() -> Survey {
    Survey {
        role: None,
        cluster: None,
        port: config().cluster.port,
        groups: Vec::new(),
        default_vpc: Some(Ok("vpc-1".into())),
        bucket: None,
    }
}

fn everything(config: &DwhConfig, cidrs: &[&str]) -> Survey {
    Survey {
        role: Some(role(config)),
        cluster: Some(cluster(config)),
        port: config.cluster.port,
        groups: vec![group(cidrs)],
        default_vpc: None,
        bucket: None,
    }
}

fn rows(plan: &Plan<Op>) -> Vec<(Action, &'static str)> {
    plan.steps.iter().map(|s| (s.action, s.resource)).collect()
}

fn ops(plan: &Plan<Op>) -> Vec<Op> {
    plan.ops().cloned().collect()
}

#[test]
fn nothing_exists_so_everything_is_created_in_dependency_order() {
    let config = config();
    let plan = plan(&nothing(), &config, None).unwrap();
    assert_eq!(
        rows(&plan),
        [
            (Action::Create, "IAM role"),
            (Action::Create, "IAM inline policy"),
            (Action::Create, "security group"),
            (Action::Create, "Redshift cluster"),
        ]
    );
    assert_eq!(
        ops(&plan),
        [
            Op::CreateRole,
            Op::PutPolicy,
            Op::CreateGroup {
                vpc: "vpc-1".into()
            },
            Op::CreateCluster,
        ]
    );
    assert_eq!(
        plan.summary(),
        "4 to create, 0 to update, 0 to delete, 0 adopted"
    );
    let policy = plan.step("IAM inline policy").unwrap();
    assert_eq!(
        policy.detail,
        "s3:GetObject on s3://dwh-data/shop/*, s3:ListBucket on the bucket"
    );
    let cluster = plan.step("Redshift cluster").unwrap();
    assert!(cluster.detail.contains("encrypted, private"), "{cluster:?}");
    assert!(
        plan.notes.iter().any(|n| n.contains("stays closed")),
        "{:?}",
        plan.notes
    );
}

#[test]
fn an_allowed_cidr_opens_the_new_group_before_the_cluster() {
    let mut config = config();
    config.network.allowed_cidr = Some("203.0.113.0/24".into());
    let cidr = allowed_cidr(&config).unwrap();
    let plan = plan(&nothing(), &config, cidr).unwrap();
    let ops = ops(&plan);
    assert_eq!(ops[3], Op::OpenPort("203.0.113.0/24".parse().unwrap()));
    assert_eq!(ops[4], Op::CreateCluster);
    assert!(plan.notes.is_empty(), "{:?}", plan.notes);
}

#[test]
fn everything_matching_is_adopted_and_nothing_changes() {
    let mut config = config();
    config.network.allowed_cidr = Some("203.0.113.0/24".into());
    let cidr = allowed_cidr(&config).unwrap();
    let plan = plan(&everything(&config, &["203.0.113.0/24"]), &config, cidr).unwrap();
    assert!(!plan.changes(), "{plan:?}");
    assert_eq!(
        plan.summary(),
        "0 to create, 0 to update, 0 to delete, 3 adopted"
    );
    assert_eq!(
        rows(&plan),
        [
            (Action::Adopt, "IAM role"),
            (Action::Keep, "IAM inline policy"),
            (Action::Adopt, "security group"),
            (Action::Keep, "ingress rule"),
            (Action::Adopt, "Redshift cluster"),
        ]
    );
    // Adopting only records what later steps use: no AWS write.
    assert_eq!(
        ops(&plan),
        [
            Op::AdoptRole {
                arn: role(&config).arn
            },
            Op::AdoptGroup(group(&["203.0.113.0/24"])),
        ]
    );
    assert!(plan.notes.is_empty(), "{:?}", plan.notes);
}

#[test]
fn a_half_done_run_creates_the_rest() {
    let config = config();
    let mut survey = nothing();
    survey.role = Some(RoleState {
        policy_current: false,
        ..role(&config)
    });
    let plan = plan(&survey, &config, None).unwrap();
    assert_eq!(
        plan.summary(),
        "2 to create, 1 to update, 0 to delete, 1 adopted"
    );
    assert_eq!(ops(&plan)[1], Op::PutPolicy);
}

#[test]
fn a_mismatched_adopted_cluster_gets_the_role_and_notes_but_no_resize() {
    let config = config();
    let mut survey = everything(&config, &[]);
    survey.role = Some(RoleState {
        policy_current: false,
        managed_policies: vec!["AmazonS3ReadOnlyAccess".into()],
        ..role(&config)
    });
    let cluster = survey.cluster.as_mut().unwrap();
    cluster.iam_roles = vec!["arn:aws:iam::123456789012:role/someone-else".into()];
    cluster.publicly_accessible = true;
    cluster.encrypted = false;
    cluster.nodes = 4;
    let plan = plan(&survey, &config, None).unwrap();
    assert_eq!(
        plan.summary(),
        "0 to create, 2 to update, 0 to delete, 3 adopted"
    );
    assert_eq!(ops(&plan).last(), Some(&Op::AttachRole));
    assert!(!ops(&plan).contains(&Op::CreateCluster));
    let notes = plan.notes.join("\n");
    for expected in [
        "managed policy AmazonS3ReadOnlyAccess",
        "publicly accessible although dwh.toml says private",
        "not encrypted at rest",
        "does not resize",
    ] {
        assert!(notes.contains(expected), "{expected} not in {notes}");
    }
}

#[test]
fn a_role_redshift_cannot_assume_is_refused() {
    let config = config();
    let mut survey = nothing();
    survey.role = Some(RoleState {
        trusts_redshift: false,
        ..role(&config)
    });
    let err = plan(&survey, &config, None).unwrap_err().to_string();
    assert!(err.contains("trust policy"), "{err}");
}

#[test]
fn a_cluster_that_cannot_become_available_is_refused() {
    let config = config();
    for (status, expected) in [("paused", "resume it"), ("deleting", "being deleted")] {
        let mut survey = everything(&config, &[]);
        survey.cluster.as_mut().unwrap().status = status.into();
        let err = plan(&survey, &config, None).unwrap_err().to_string();
        assert!(err.contains(expected), "{status}: {err}");
    }
    // Still being created: adopted, and apply waits for it.
    let mut survey = everything(&config, &[]);
    survey.cluster.as_mut().unwrap().status = "creating".into();
    assert!(plan(&survey, &config, None).is_ok());
}

#[test]
fn a_cluster_without_a_usable_group_is_refused() {
    let config = config();
    let mut survey = everything(&config, &[]);
    survey.groups.clear();
    survey.cluster.as_mut().unwrap().security_groups = vec!["sg-gone".into()];
    let err = plan(&survey, &config, None).unwrap_err().to_string();
    assert!(err.contains("sg-gone, which does not exist"), "{err}");
    survey.cluster.as_mut().unwrap().security_groups.clear();
    let err = plan(&survey, &config, None).unwrap_err().to_string();
    assert!(err.contains("no VPC security group"), "{err}");
}

#[test]
fn the_whole_internet_is_never_the_allowed_cidr() {
    let mut config = config();
    assert_eq!(allowed_cidr(&config).unwrap(), None);
    config.network.allowed_cidr = Some("0.0.0.0/0".into());
    let err = allowed_cidr(&config).unwrap_err().to_string();
    assert!(err.contains("the whole internet"), "{err}");
    config.network.allowed_cidr = Some("203.0.113.7/24".into());
    let err = format!("{:#}", allowed_cidr(&config).unwrap_err());
    assert!(err.contains("network.allowed_cidr"), "{err}");
}
