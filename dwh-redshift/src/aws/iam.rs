//! The IAM role Redshift assumes to read the data bucket: trusted by
//! `redshift.amazonaws.com` only, with one inline policy that reads one
//! bucket (and prefix), not `AmazonS3ReadOnlyAccess` (every bucket).

use anyhow::bail;
use aws_sdk_iam::types::Tag;
use serde_json::{json, Value};

use super::error::{ctx, is};
use super::Aws;

/// The name of the inline policy dwh puts on the role.
pub const POLICY_NAME: &str = "dwh-s3-read";
const MANAGED_BY: (&str, &str) = ("managed-by", "dwh");

/// What exists of the role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleState {
    pub arn: String,
    /// The trust policy lets Redshift assume the role.
    pub trusts_redshift: bool,
    /// The inline policy equals the one dwh would write now.
    pub policy_current: bool,
    /// Managed policies attached by someone else (e.g. the classic scripts'
    /// AmazonS3ReadOnlyAccess); reported, left alone by provision.
    pub managed_policies: Vec<String>,
}

/// The AWS partition of a region, for ARNs.
pub fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

/// Only Redshift may assume the role.
pub fn trust_policy() -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "Service": "redshift.amazonaws.com" },
            "Action": "sts:AssumeRole"
        }]
    })
}

/// Read access to `bucket` below `prefix` and nothing else: what COPY needs
/// (find the bucket's region, list the prefix, get the objects; manifests
/// and jsonpaths live below the prefix too, see `layout`).
///
/// ListBucket is scoped with the `s3:prefix` condition key, as AWS's
/// examples do ("Allowing each IAM user access to a folder in a bucket",
/// https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-policies-s3.html).
/// GetBucketLocation gets a statement of its own: its requests carry no
/// `s3:prefix`, and a condition on a key absent from the request does not
/// match, so it would be denied
/// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html).
pub fn s3_read_policy(partition: &str, bucket: &str, prefix: &str) -> Value {
    let bucket_arn = format!("arn:{partition}:s3:::{bucket}");
    let mut list = json!({
        "Sid": "ListDataPrefix",
        "Effect": "Allow",
        "Action": "s3:ListBucket",
        "Resource": bucket_arn,
    });
    let objects = if prefix.is_empty() {
        format!("{bucket_arn}/*")
    } else {
        list["Condition"] =
            json!({ "StringLike": { "s3:prefix": [prefix, format!("{prefix}/*")] } });
        format!("{bucket_arn}/{prefix}/*")
    };
    json!({
        "Version": "2012-10-17",
        "Statement": [
            { "Sid": "FindDataBucket", "Effect": "Allow", "Action": "s3:GetBucketLocation", "Resource": bucket_arn },
            list,
            { "Sid": "ReadDataObjects", "Effect": "Allow", "Action": "s3:GetObject", "Resource": objects }
        ]
    })
}

/// IAM returns policy documents URL-encoded (RFC 3986).
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A policy document as JSON, whether IAM sent it encoded or not.
fn document(text: &str) -> Option<Value> {
    serde_json::from_str(text)
        .ok()
        .or_else(|| serde_json::from_str(&percent_decode(text)).ok())
}

fn trusts_redshift(document: &Value) -> bool {
    let statements = match &document["Statement"] {
        Value::Array(s) => s.clone(),
        s @ Value::Object(_) => vec![s.clone()],
        _ => return false,
    };
    statements.iter().any(|s| {
        let service = &s["Principal"]["Service"];
        s["Effect"] == "Allow"
            && (service == "redshift.amazonaws.com"
                || service
                    .as_array()
                    .is_some_and(|a| a.iter().any(|v| v == "redshift.amazonaws.com")))
    })
}

pub async fn describe(aws: &Aws, name: &str, policy: &Value) -> anyhow::Result<Option<RoleState>> {
    let role = match aws.iam.get_role().role_name(name).send().await {
        Ok(out) => out,
        Err(e) if is(&e, &["NoSuchEntity"]) => return Ok(None),
        Err(e) => {
            return Err(super::error::aws_error(
                format!("reading IAM role `{name}`"),
                e,
            ))
        }
    };
    let Some(role) = role.role() else {
        return Ok(None);
    };
    let trusts = role
        .assume_role_policy_document()
        .and_then(document)
        .is_some_and(|d| trusts_redshift(&d));
    let current = match aws
        .iam
        .get_role_policy()
        .role_name(name)
        .policy_name(POLICY_NAME)
        .send()
        .await
    {
        Ok(out) => document(out.policy_document()).as_ref() == Some(policy),
        Err(e) if is(&e, &["NoSuchEntity"]) => false,
        Err(e) => {
            return Err(super::error::aws_error(
                format!("reading the policy of IAM role `{name}`"),
                e,
            ))
        }
    };
    let attached = aws
        .iam
        .list_attached_role_policies()
        .role_name(name)
        .send()
        .await
        .map_err(ctx(format!("listing the policies of IAM role `{name}`")))?;
    Ok(Some(RoleState {
        arn: role.arn().to_owned(),
        trusts_redshift: trusts,
        policy_current: current,
        managed_policies: attached
            .attached_policies()
            .iter()
            .filter_map(|p| p.policy_name().map(str::to_owned))
            .collect(),
    }))
}

/// Creates the role; one that already exists (a concurrent run) is adopted.
pub async fn create(aws: &Aws, name: &str) -> anyhow::Result<String> {
    let tag = Tag::builder()
        .key(MANAGED_BY.0)
        .value(MANAGED_BY.1)
        .build()?;
    match aws
        .iam
        .create_role()
        .role_name(name)
        .description("Lets Amazon Redshift read the dwh data bucket (created by dwh)")
        .assume_role_policy_document(trust_policy().to_string())
        .tags(tag)
        .send()
        .await
    {
        Ok(out) => match out.role() {
            Some(role) => Ok(role.arn().to_owned()),
            None => bail!("AWS created IAM role `{name}` but returned no ARN"),
        },
        Err(e) if is(&e, &["EntityAlreadyExists"]) => {
            let out = aws
                .iam
                .get_role()
                .role_name(name)
                .send()
                .await
                .map_err(ctx(format!("reading IAM role `{name}`")))?;
            Ok(out.role().map(|r| r.arn().to_owned()).unwrap_or_default())
        }
        Err(e) => Err(super::error::aws_error(
            format!("creating IAM role `{name}`"),
            e,
        )),
    }
}

/// Writes the inline S3 read policy (replacing an older version).
pub async fn put_policy(aws: &Aws, name: &str, policy: &Value) -> anyhow::Result<()> {
    aws.iam
        .put_role_policy()
        .role_name(name)
        .policy_name(POLICY_NAME)
        .policy_document(policy.to_string())
        .send()
        .await
        .map_err(ctx(format!(
            "writing policy `{POLICY_NAME}` of IAM role `{name}`"
        )))?;
    Ok(())
}

/// Deletes the role after what IAM requires first (DeleteConflict
/// otherwise): detaching managed policies, deleting inline ones, leaving
/// instance profiles. `false` when there was no role.
pub async fn delete(aws: &Aws, name: &str) -> anyhow::Result<bool> {
    if !detach_managed_policies(aws, name).await? {
        return Ok(false);
    }
    delete_inline_policies(aws, name).await?;
    leave_instance_profiles(aws, name).await?;
    match aws.iam.delete_role().role_name(name).send().await {
        Ok(_) => Ok(true),
        Err(e) if is(&e, &["NoSuchEntity"]) => Ok(false),
        Err(e) => Err(super::error::aws_error(
            format!("deleting IAM role `{name}`"),
            e,
        )),
    }
}

/// Names a step of deleting the role, for error context.
fn step_of_deleting(name: &str, step: &str) -> String {
    format!("{step} of IAM role `{name}`")
}

/// Detaches every managed policy, the first thing IAM requires before
/// DeleteRole. `false` when there is no role (the listing says so first).
async fn detach_managed_policies(aws: &Aws, name: &str) -> anyhow::Result<bool> {
    let attached = match aws
        .iam
        .list_attached_role_policies()
        .role_name(name)
        .send()
        .await
    {
        Ok(out) => out,
        Err(e) if is(&e, &["NoSuchEntity"]) => return Ok(false),
        Err(e) => {
            return Err(super::error::aws_error(
                step_of_deleting(name, "listing the policies"),
                e,
            ))
        }
    };
    for policy in attached.attached_policies() {
        if let Some(arn) = policy.policy_arn() {
            aws.iam
                .detach_role_policy()
                .role_name(name)
                .policy_arn(arn)
                .send()
                .await
                .map_err(ctx(step_of_deleting(
                    name,
                    &format!("detaching policy {arn}"),
                )))?;
        }
    }
    Ok(true)
}

/// Deletes the inline policies (such as dwh's S3 read policy), which IAM
/// also requires before DeleteRole.
async fn delete_inline_policies(aws: &Aws, name: &str) -> anyhow::Result<()> {
    let inline = aws
        .iam
        .list_role_policies()
        .role_name(name)
        .send()
        .await
        .map_err(ctx(step_of_deleting(name, "listing the inline policies")))?;
    for policy in inline.policy_names() {
        aws.iam
            .delete_role_policy()
            .role_name(name)
            .policy_name(policy)
            .send()
            .await
            .map_err(ctx(step_of_deleting(
                name,
                &format!("deleting inline policy `{policy}`"),
            )))?;
    }
    Ok(())
}

/// Takes the role out of every instance profile, the last thing IAM
/// requires before DeleteRole.
async fn leave_instance_profiles(aws: &Aws, name: &str) -> anyhow::Result<()> {
    let profiles = aws
        .iam
        .list_instance_profiles_for_role()
        .role_name(name)
        .send()
        .await
        .map_err(ctx(step_of_deleting(name, "listing the instance profiles")))?;
    for profile in profiles.instance_profiles() {
        aws.iam
            .remove_role_from_instance_profile()
            .role_name(name)
            .instance_profile_name(profile.instance_profile_name())
            .send()
            .await
            .map_err(ctx(step_of_deleting(name, "leaving an instance profile")))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trust_is_redshift_only() {
        let policy = trust_policy();
        assert!(trusts_redshift(&policy));
        let text = policy.to_string();
        assert!(!text.contains("\"*\""), "{text}");
        let other = json!({"Statement": {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}}});
        assert!(!trusts_redshift(&other));
        let listed = json!({"Statement": [{"Effect": "Allow", "Principal": {"Service": ["ec2.amazonaws.com", "redshift.amazonaws.com"]}}]});
        assert!(trusts_redshift(&listed));
    }

    #[test]
    fn read_policy_is_scoped_to_the_bucket_and_prefix() {
        let policy = s3_read_policy("aws", "my-data", "shop");
        let statements = policy["Statement"].as_array().unwrap();
        let by_action = |action: &str| {
            let found: Vec<&Value> = statements
                .iter()
                .filter(|s| s["Action"] == action)
                .collect();
            assert_eq!(found.len(), 1, "{action} in one statement: {policy}");
            found[0]
        };
        let location = by_action("s3:GetBucketLocation");
        assert_eq!(location["Resource"], "arn:aws:s3:::my-data");
        assert!(
            location.get("Condition").is_none(),
            "no s3:prefix in its requests"
        );
        let list = by_action("s3:ListBucket");
        assert_eq!(list["Resource"], "arn:aws:s3:::my-data");
        assert_eq!(
            list["Condition"]["StringLike"]["s3:prefix"],
            json!(["shop", "shop/*"])
        );
        let get = by_action("s3:GetObject");
        assert_eq!(get["Resource"], "arn:aws:s3:::my-data/shop/*");
        assert_eq!(statements.len(), 3, "nothing else: {policy}");
        assert!(!policy.to_string().contains("s3:*"));
        let whole = s3_read_policy("aws-cn", "b-1", "");
        assert_eq!(whole["Statement"][2]["Resource"], "arn:aws-cn:s3:::b-1/*");
        assert!(whole["Statement"][1].get("Condition").is_none());
    }

    #[test]
    fn partitions() {
        assert_eq!(partition("us-west-2"), "aws");
        assert_eq!(partition("cn-north-1"), "aws-cn");
        assert_eq!(partition("us-gov-west-1"), "aws-us-gov");
    }

    #[test]
    fn decodes_iam_documents() {
        let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D";
        assert_eq!(
            document(encoded),
            Some(json!({"Version": "2012-10-17", "Statement": []}))
        );
        assert_eq!(percent_decode("a%2Fb%"), "a/b%");
        assert_eq!(percent_decode("100%zz"), "100%zz");
        assert_eq!(document("{\"a\": 1}"), Some(json!({"a": 1})));
    }
}
