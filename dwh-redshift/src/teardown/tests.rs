//! The teardown plan, from surveys built by hand.

use super::plan::{plan as teardown_plan, Op};
use crate::aws::ec2::{GroupState, Ingress, RULE_DESCRIPTION};
use crate::aws::iam::RoleState;
use crate::aws::plan::{Action, Plan};
use crate::aws::redshift::ClusterState;
use crate::config::DwhConfig;
use crate::survey::Survey;

fn config() -> DwhConfig {
    let mut config = DwhConfig::for_project("shop");
    config.s3.bucket = "dwh-data".into();
    config
}

fn rule(cidr: &str, by_dwh: bool) -> Ingress {
    Ingress {
        cidr: cidr.into(),
        description: by_dwh.then(|| RULE_DESCRIPTION.into()),
    }
}

fn group(id: &str, name: &str, ingress: Vec<Ingress>) -> GroupState {
    GroupState {
        id: id.into(),
        name: name.into(),
        vpc_id: "vpc-1".into(),
        ingress,
    }
}

fn cluster(status: &str, groups: &[&str]) -> ClusterState {
    ClusterState {
        identifier: "dwh-shop".into(),
        status: status.into(),
        node_type: "ra3.large".into(),
        nodes: 2,
        endpoint: Some(("example.redshift.amazonaws.com".into(), 5440)),
        vpc_id: Some("vpc-1".into()),
        security_groups: groups.iter().map(|g| (*g).into()).collect(),
        iam_roles: Vec::new(),
        publicly_accessible: false,
        encrypted: true,
        database: "shop".into(),
        user: "dwh_admin".into(),
    }
}

fn role() -> RoleState {
    RoleState {
        arn: "arn:aws:iam::123456789012:role/dwh-shop-s3-read".into(),
        trusts_redshift: true,
        policy_current: true,
        managed_policies: Vec::new(),
    }
}

/// dwh's own setup: its group with a rule it opened and one a person added.
fn everything() -> Survey {
    Survey {
        cluster: Some(cluster("available", &["sg-1"])),
        port: 5440,
        groups: vec![group(
            "sg-1",
            "dwh-dwh-shop",
            vec![rule("203.0.113.0/24", true), rule("198.51.100.7/32", false)],
        )],
        role: Some(role()),
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

fn our_group() -> Op {
    Op::DeleteGroup {
        id: "sg-1".into(),
        name: "dwh-dwh-shop".into(),
    }
}

#[test]
fn nothing_exists_so_nothing_is_done_and_the_bucket_is_kept() {
    let survey = Survey {
        cluster: None,
        port: 5439,
        groups: Vec::new(),
        role: None,
        default_vpc: None,
        bucket: None,
    };
    let plan = teardown_plan(&survey, &config(), Some("snap"));
    assert_eq!(plan.ops().count(), 0, "{plan:?}");
    assert!(!plan.changes());
    assert!(plan.steps.iter().all(|s| s.detail == "absent"), "{plan:?}");
    assert_eq!(
        plan.notes,
        ["bucket s3://dwh-data is kept: it holds your data (delete it with `aws s3 rb --force`)"]
    );
}

#[test]
fn everything_is_deleted_door_first_and_only_dwhs_rules() {
    let plan = teardown_plan(&everything(), &config(), Some("dwh-shop-final-1"));
    assert_eq!(
        ops(&plan),
        [
            Op::Revoke {
                group: "sg-1".into(),
                cidr: "203.0.113.0/24".into(),
                port: 5440,
            },
            Op::DeleteCluster {
                snapshot: Some("dwh-shop-final-1".into())
            },
            our_group(),
            Op::DeleteRole,
        ]
    );
    assert_eq!(
        plan.summary(),
        "0 to create, 0 to update, 4 to delete, 0 adopted"
    );
    let cluster = plan.step("Redshift cluster").unwrap();
    assert_eq!(
        cluster.detail,
        "2 × ra3.large; final snapshot `dwh-shop-final-1`"
    );
}

#[test]
fn without_a_final_snapshot_the_plan_says_the_data_is_lost() {
    let plan = teardown_plan(&everything(), &config(), None);
    let cluster = plan.step("Redshift cluster").unwrap();
    assert!(cluster.detail.contains("NO final snapshot"), "{cluster:?}");
    assert!(ops(&plan).contains(&Op::DeleteCluster { snapshot: None }));
}

#[test]
fn a_half_done_teardown_waits_for_the_cluster_and_finishes() {
    let mut survey = everything();
    survey.cluster = Some(cluster("deleting", &["sg-1"]));
    survey.groups[0].ingress.clear();
    let plan = teardown_plan(&survey, &config(), Some("snap"));
    assert_eq!(
        rows(&plan),
        [
            (Action::Keep, "Redshift cluster"),
            (Action::Delete, "security group"),
            (Action::Delete, "IAM role"),
        ]
    );
    assert_eq!(
        ops(&plan),
        [Op::AwaitClusterGone, our_group(), Op::DeleteRole]
    );

    // The cluster gone, only the role left.
    let survey = Survey {
        cluster: None,
        port: 5439,
        groups: Vec::new(),
        role: Some(role()),
        default_vpc: None,
        bucket: None,
    };
    let plan = teardown_plan(&survey, &config(), Some("snap"));
    assert_eq!(ops(&plan), [Op::DeleteRole]);
    assert_eq!(plan.step("Redshift cluster").unwrap().detail, "absent");

    // Only a delete under way: still something to do (wait).
    let survey = Survey {
        cluster: Some(cluster("deleting", &[])),
        port: 5440,
        groups: Vec::new(),
        role: None,
        default_vpc: None,
        bucket: None,
    };
    let plan = teardown_plan(&survey, &config(), Some("snap"));
    assert!(!plan.changes());
    assert_eq!(ops(&plan), [Op::AwaitClusterGone]);
}

#[test]
fn an_adopted_clusters_own_group_is_kept_but_dwhs_rule_on_it_closed() {
    let survey = Survey {
        cluster: Some(cluster("available", &["sg-default"])),
        port: 5439,
        groups: vec![group(
            "sg-default",
            "default",
            vec![rule("198.51.100.7/32", true), rule("10.0.0.0/8", false)],
        )],
        role: Some(role()),
        default_vpc: None,
        bucket: None,
    };
    let plan = teardown_plan(&survey, &config(), None);
    assert_eq!(
        ops(&plan),
        [
            Op::Revoke {
                group: "sg-default".into(),
                cidr: "198.51.100.7/32".into(),
                port: 5439,
            },
            Op::DeleteCluster { snapshot: None },
            Op::DeleteRole,
        ]
    );
    let group = plan.step("security group").unwrap();
    assert_eq!(
        (group.action, group.name.as_str(), group.detail.as_str()),
        (Action::Keep, "dwh-dwh-shop", "absent")
    );
}
