//! The data bucket: created private if missing, objects listed, written,
//! read and removed.

use anyhow::bail;
pub use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{
    BucketLocationConstraint, CreateBucketConfiguration, PublicAccessBlockConfiguration,
};

use super::error::{aws_error, ctx, is};
use super::Aws;

/// One object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Object {
    pub key: String,
    pub size: u64,
    /// The object's ETag, quotes and all: the load ledger's checksum of an
    /// S3 file, read without reading the object.
    pub etag: Option<String>,
    /// When it was last written.
    pub modified: Option<chrono::NaiveDateTime>,
}

/// `s3://bucket/some/prefix/` → `("bucket", "some/prefix")`.
pub fn parse_uri(uri: &str) -> anyhow::Result<(String, String)> {
    if !dwh_core::sql::is_s3_uri(uri) {
        bail!("`{uri}` is not an S3 location: expected s3://bucket/prefix");
    }
    let rest = &uri["s3://".len()..];
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    Ok((bucket.to_owned(), prefix.trim_matches('/').to_owned()))
}

pub fn uri(bucket: &str, key: &str) -> String {
    format!("s3://{bucket}/{key}")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BucketState {
    Missing,
    /// Exists and this identity can use it.
    Usable,
    /// Exists, but another account owns it (bucket names are global).
    Foreign,
}

pub async fn bucket_state(
    client: &aws_sdk_s3::Client,
    bucket: &str,
) -> anyhow::Result<BucketState> {
    match client.head_bucket().bucket(bucket).send().await {
        Ok(_) => Ok(BucketState::Usable),
        Err(e) => {
            let status = e.raw_response().map(|r| r.status().as_u16());
            if is(&e, &["NotFound", "NoSuchBucket"]) || status == Some(404) {
                Ok(BucketState::Missing)
            } else if status == Some(403) {
                Ok(BucketState::Foreign)
            } else {
                Err(aws_error(format!("looking up bucket `{bucket}`"), e))
            }
        }
    }
}

/// Creates the bucket in the region with all public access blocked.
/// `false` when it was there already.
pub async fn ensure_bucket(aws: &Aws, bucket: &str) -> anyhow::Result<bool> {
    match bucket_state(&aws.s3, bucket).await? {
        BucketState::Usable => return Ok(false),
        BucketState::Foreign => bail!(
            "bucket `{bucket}` exists and belongs to another AWS account (bucket names are global); \
             choose another s3.bucket in dwh.toml"
        ),
        BucketState::Missing => {}
    }
    let mut request = aws.s3.create_bucket().bucket(bucket);
    // us-east-1 is the one region that must not be named as a constraint.
    if aws.region != "us-east-1" {
        request = request.create_bucket_configuration(
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::from(aws.region.as_str()))
                .build(),
        );
    }
    match request.send().await {
        Ok(_) => {}
        Err(e) if is(&e, &["BucketAlreadyOwnedByYou"]) => return Ok(false),
        Err(e) if is(&e, &["BucketAlreadyExists"]) => bail!(
            "bucket `{bucket}` belongs to another AWS account (bucket names are global); choose \
             another s3.bucket in dwh.toml"
        ),
        Err(e) => {
            return Err(aws_error(
                format!("creating bucket `{bucket}` in {}", aws.region),
                e,
            ))
        }
    }
    aws.s3
        .put_public_access_block()
        .bucket(bucket)
        .public_access_block_configuration(
            PublicAccessBlockConfiguration::builder()
                .block_public_acls(true)
                .ignore_public_acls(true)
                .block_public_policy(true)
                .restrict_public_buckets(true)
                .build(),
        )
        .send()
        .await
        .map_err(ctx(format!("blocking public access to bucket `{bucket}`")))?;
    Ok(true)
}

/// Every object below `prefix`, sorted by key.
pub async fn list(
    client: &aws_sdk_s3::Client,
    bucket: &str,
    prefix: &str,
) -> anyhow::Result<Vec<Object>> {
    let mut objects = Vec::new();
    let mut token = None;
    loop {
        let out = client
            .list_objects_v2()
            .bucket(bucket)
            .prefix(prefix)
            .set_continuation_token(token)
            .send()
            .await
            .map_err(ctx(format!("listing {}", uri(bucket, prefix))))?;
        objects.extend(out.contents().iter().filter_map(|o| {
            Some(Object {
                key: o.key()?.to_owned(),
                size: o.size().unwrap_or(0).max(0) as u64,
                etag: o.e_tag().map(str::to_owned),
                modified: o.last_modified().and_then(|t| {
                    chrono::DateTime::from_timestamp(t.secs(), t.subsec_nanos() / 1000 * 1000)
                        .map(|t| t.naive_utc())
                }),
            })
        }));
        token = out.next_continuation_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    objects.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(objects)
}

pub async fn put(
    client: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
    body: ByteStream,
    content_type: &str,
) -> anyhow::Result<()> {
    client
        .put_object()
        .bucket(bucket)
        .key(key)
        .content_type(content_type)
        .body(body)
        .send()
        .await
        .map_err(ctx(format!("writing {}", uri(bucket, key))))?;
    Ok(())
}

pub async fn exists(client: &aws_sdk_s3::Client, bucket: &str, key: &str) -> anyhow::Result<bool> {
    match client.head_object().bucket(bucket).key(key).send().await {
        Ok(_) => Ok(true),
        Err(e)
            if is(&e, &["NotFound", "NoSuchKey"])
                || e.raw_response().is_some_and(|r| r.status().as_u16() == 404) =>
        {
            Ok(false)
        }
        Err(e) => Err(aws_error(format!("looking up {}", uri(bucket, key)), e)),
    }
}

/// The object's body as a stream.
pub async fn get(
    client: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
) -> anyhow::Result<ByteStream> {
    let out = client
        .get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .map_err(ctx(format!("reading {}", uri(bucket, key))))?;
    Ok(out.body)
}

pub async fn delete(client: &aws_sdk_s3::Client, bucket: &str, key: &str) -> anyhow::Result<()> {
    client
        .delete_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .map_err(ctx(format!("deleting {}", uri(bucket, key))))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_uris() {
        assert_eq!(
            parse_uri("s3://my-data/shop/").unwrap(),
            ("my-data".to_owned(), "shop".to_owned())
        );
        assert_eq!(
            parse_uri("s3://my-data").unwrap(),
            ("my-data".to_owned(), String::new())
        );
        assert!(parse_uri("/tmp/data").is_err());
        assert!(parse_uri("s3://Bad_Bucket/x").is_err());
    }
}
