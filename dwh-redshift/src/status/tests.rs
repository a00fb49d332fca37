//! The status rows and exit code, from surveys built by hand.

use super::plan::{plan, Report, NOT_AVAILABLE};
use crate::aws::ec2::{GroupState, Ingress};
use crate::aws::iam::RoleState;
use crate::aws::redshift::ClusterState;
use crate::aws::s3::Object;
use crate::config::DwhConfig;
use crate::survey::{Bucket, Folder, Survey};

use crate::fixtures::config;

fn everything(config: &DwhConfig) -> Survey {
    let c = &config.cluster;
    let arn = format!("arn:aws:iam::123456789012:role/{}", config.iam.role_name);
    let object = |key: &str, size| Object {
        key: key.into(),
        size,
        etag: None,
        modified: None,
    };
    Survey {
        role: Some(RoleState {
            arn: arn.clone(),
            trusts_redshift: true,
            policy_current: true,
            managed_policies: Vec::new(),
        }),
        cluster: Some(ClusterState {
            identifier: c.identifier.clone(),
            status: "available".into(),
            node_type: c.node_type.clone(),
            nodes: c.nodes,
            endpoint: Some(("example.redshift.amazonaws.com".into(), c.port)),
            vpc_id: Some("vpc-1".into()),
            security_groups: vec!["sg-1".into()],
            iam_roles: vec![arn],
            publicly_accessible: false,
            encrypted: true,
            database: c.database.clone(),
            user: c.user.clone(),
        }),
        port: c.port,
        groups: vec![GroupState {
            id: "sg-1".into(),
            name: "dwh-dwh-shop".into(),
            vpc_id: "vpc-1".into(),
            ingress: Vec::new(),
        }],
        default_vpc: None,
        bucket: Some(Bucket::Usable(vec![Folder {
            dir: "log_data".into(),
            objects: vec![
                object("shop/log_data/part-00000.json.gz", 1024),
                object("shop/log_data/part-00001.json.gz", 1024),
                object("shop/log_data/notes.txt", 1 << 30),
            ],
            manifest: true,
        }])),
    }
}

/// `resource name state detail`, one string a row, for `contains` checks.
fn lines(report: &Report) -> Vec<String> {
    report
        .rows
        .iter()
        .map(|r| format!("{} {} {} {}", r.resource, r.name, r.state, r.detail))
        .collect()
}

#[test]
fn nothing_exists_so_every_row_is_missing_and_the_exit_is_3() {
    let mut config = config();
    config.s3.bucket = String::new();
    let survey = Survey {
        role: None,
        cluster: None,
        port: config.cluster.port,
        groups: Vec::new(),
        default_vpc: Some(Ok("vpc-1".into())),
        bucket: Some(Bucket::NotConfigured),
    };
    let report = plan(&survey, &config);
    assert_eq!(report.exit, NOT_AVAILABLE);
    let states: Vec<(&str, &str, &str)> = report
        .rows
        .iter()
        .map(|r| (r.resource, r.name.as_str(), r.state.as_str()))
        .collect();
    assert_eq!(
        states,
        [
            ("IAM role", "dwh-shop-s3-read", "missing"),
            ("Redshift cluster", "dwh-shop", "missing"),
            ("security group", "dwh-dwh-shop", "missing"),
            ("S3 bucket", "-", "not configured"),
        ]
    );
}

#[test]
fn everything_available_exits_0_and_counts_only_parts() {
    let config = config();
    let report = plan(&everything(&config), &config);
    assert_eq!(report.exit, 0);
    let lines = lines(&report);
    assert_eq!(lines.len(), 4, "{lines:#?}");
    assert!(
        lines[0].contains("policy `dwh-s3-read` current"),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].contains("available 2 × ra3.large (4 slices); private; encrypted"),
        "{}",
        lines[1]
    );
    assert!(!lines[1].contains("not attached"), "{}", lines[1]);
    assert!(
        lines[2].ends_with("sg-1 in vpc-1; tcp/5439: no ingress"),
        "{}",
        lines[2]
    );
    assert!(
        lines[3].ends_with("s3://dwh-data/shop: log_data: 2 parts, 2.0 kB, manifest"),
        "{}",
        lines[3]
    );
}

#[test]
fn a_cluster_not_available_exits_3() {
    let config = config();
    for status in ["creating", "paused", "deleting"] {
        let mut survey = everything(&config);
        survey.cluster.as_mut().unwrap().status = status.into();
        let report = plan(&survey, &config);
        assert_eq!(report.exit, NOT_AVAILABLE, "{status}");
        assert_eq!(report.rows[1].state, status);
    }
}

#[test]
fn what_dwh_would_not_have_made_is_flagged() {
    let config = config();
    let mut survey = everything(&config);
    let role = survey.role.as_mut().unwrap();
    role.trusts_redshift = false;
    role.policy_current = false;
    role.managed_policies = vec!["AmazonS3ReadOnlyAccess".into()];
    let cluster = survey.cluster.as_mut().unwrap();
    cluster.iam_roles.clear();
    cluster.publicly_accessible = true;
    cluster.encrypted = false;
    survey.groups[0].ingress = vec![Ingress {
        cidr: "0.0.0.0/0".into(),
        description: None,
    }];
    survey.bucket = Some(Bucket::Foreign);
    let lines = lines(&plan(&survey, &config));
    for (row, expected) in [
        (0, "NOT assumable by Redshift"),
        (
            0,
            "policy `dwh-s3-read` missing or stale; also: AmazonS3ReadOnlyAccess",
        ),
        (1, "PUBLIC; NOT encrypted"),
        (1, "role `dwh-shop-s3-read` not attached"),
        (2, "tcp/5439 from 0.0.0.0/0 (PUBLIC)"),
        (3, "not yours owned by another account"),
    ] {
        assert!(
            lines[row].contains(expected),
            "{expected} not in {}",
            lines[row]
        );
    }
}
