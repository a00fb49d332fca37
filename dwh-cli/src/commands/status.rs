//! `dwh status`: each AWS resource dwh manages, as it is now.

use std::process::ExitCode;

use super::provision::has_role;
use crate::aws::ec2;
use crate::aws::iam;
use crate::aws::layout::Layout;
use crate::aws::redshift;
use crate::aws::s3::{self, BucketState};
use crate::cli::AwsArgs;
use crate::ui;

/// Exit code when the cluster is missing or not available (as `dwh local
/// status` uses for an engine that is not running).
const NOT_AVAILABLE: u8 = 3;

pub async fn run(args: &AwsArgs, project: &dwh_core::Project) -> anyhow::Result<ExitCode> {
    let (config, aws) = super::config::load(args, project).await?;
    let c = &config.cluster;
    let role_name = &config.iam.role_name;
    let bucket = config.s3.bucket.as_str();
    let policy = iam::s3_read_policy(iam::partition(&aws.region), bucket, &config.s3.prefix);
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut row = |resource: &str, name: &str, state: &str, detail: String| {
        rows.push(vec![
            resource.to_owned(),
            name.to_owned(),
            state.to_owned(),
            detail,
        ]);
    };

    let role = iam::describe(&aws, role_name, &policy).await?;
    match &role {
        None => row("IAM role", role_name, "missing", String::new()),
        Some(r) => {
            let mut detail = vec![r.arn.clone()];
            if !r.trusts_redshift {
                detail.push("NOT assumable by Redshift".into());
            }
            detail.push(if r.policy_current {
                format!("policy `{}` current", iam::POLICY_NAME)
            } else {
                format!("policy `{}` missing or stale", iam::POLICY_NAME)
            });
            if !r.managed_policies.is_empty() {
                detail.push(format!("also: {}", r.managed_policies.join(", ")));
            }
            row("IAM role", role_name, "exists", detail.join("; "));
        }
    }

    let cluster = redshift::describe(&aws, &c.identifier).await?;
    match &cluster {
        None => row("Redshift cluster", &c.identifier, "missing", String::new()),
        Some(cl) => {
            let mut detail = vec![
                format!("{} × {} ({} slices)", cl.nodes, cl.node_type, cl.slices()),
                if cl.publicly_accessible {
                    "PUBLIC".into()
                } else {
                    "private".into()
                },
                if cl.encrypted {
                    "encrypted".into()
                } else {
                    "NOT encrypted".into()
                },
            ];
            if let Some((host, port)) = &cl.endpoint {
                detail.push(format!("{host}:{port}"));
            }
            if !has_role(cl, role_name) {
                detail.push(format!("role `{role_name}` not attached"));
            }
            row(
                "Redshift cluster",
                &c.identifier,
                &cl.status,
                detail.join("; "),
            );
        }
    }

    let groups = match &cluster {
        Some(cl) => {
            let mut groups = Vec::new();
            for id in &cl.security_groups {
                groups.extend(ec2::describe(&aws, id, c.port).await?);
            }
            groups
        }
        None => match ec2::default_vpc(&aws).await {
            Ok(vpc) => ec2::find(&aws, &ec2::group_name(&c.identifier), &vpc, c.port)
                .await?
                .into_iter()
                .collect(),
            Err(_) => Vec::new(),
        },
    };
    if groups.is_empty() {
        row(
            "security group",
            &ec2::group_name(&c.identifier),
            "missing",
            String::new(),
        );
    }
    for g in &groups {
        let ingress = if g.ingress.is_empty() {
            format!("tcp/{}: no ingress", c.port)
        } else {
            let cidrs: Vec<String> = g
                .ingress
                .iter()
                .map(|r| {
                    let public = if r.cidr.ends_with("/0") {
                        " (PUBLIC)"
                    } else {
                        ""
                    };
                    format!("{}{public}", r.cidr)
                })
                .collect();
            format!("tcp/{} from {}", c.port, cidrs.join(", "))
        };
        row(
            "security group",
            &g.name,
            "exists",
            format!("{} in {}; {ingress}", g.id, g.vpc_id),
        );
    }

    if bucket.is_empty() {
        row(
            "S3 bucket",
            "-",
            "not configured",
            "set s3.bucket or DWH_BUCKET".into(),
        );
    } else {
        match s3::bucket_state(&aws.s3, bucket).await? {
            BucketState::Missing => row(
                "S3 bucket",
                bucket,
                "missing",
                "created by `dwh upload`".into(),
            ),
            BucketState::Foreign => row(
                "S3 bucket",
                bucket,
                "not yours",
                "owned by another account".into(),
            ),
            BucketState::Usable => {
                let layout = Layout::new(bucket, &config.s3.prefix);
                let mut detail = Vec::new();
                for source in project.sources() {
                    let dir = source.dir.as_str();
                    let parts: Vec<s3::Object> =
                        s3::list(&aws.s3, bucket, &layout.data_prefix(dir))
                            .await?
                            .into_iter()
                            .filter(|o| layout.is_part_key(dir, &o.key))
                            .collect();
                    let manifest = s3::exists(&aws.s3, bucket, &layout.manifest_key(dir)).await?;
                    detail.push(format!(
                        "{dir}: {} parts, {}{}",
                        parts.len(),
                        ui::bytes(parts.iter().map(|p| p.size).sum()),
                        if manifest {
                            ", manifest"
                        } else {
                            ", no manifest"
                        }
                    ));
                }
                row(
                    "S3 bucket",
                    bucket,
                    "exists",
                    format!("{}: {}", layout.root_uri(), detail.join("; ")),
                );
            }
        }
    }
    println!("{} (region {})", args.config.display(), aws.region);
    println!(
        "{}",
        ui::table(&["resource", "name", "state", "detail"], rows)
    );
    match cluster {
        Some(cl) if cl.status == "available" => Ok(ExitCode::SUCCESS),
        _ => Ok(ExitCode::from(NOT_AVAILABLE)),
    }
}
