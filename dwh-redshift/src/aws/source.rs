//! An S3 prefix as a [`Source`] for the local loader: `dwh all --data
//! s3://bucket/prefix` reads the same objects a Redshift COPY would, so the
//! cloud data path runs end to end without a cluster.

use std::io::{self, Read};
use std::sync::OnceLock;

use dwh_core::load::{not_a_source, Refused, Source, SourceFile};
use dwh_core::project::{is_gzipped, FilePattern};
use flate2::read::MultiGzDecoder;
use tokio::runtime::Handle;
use tokio_util::io::SyncIoBridge;

use super::layout::is_upload_part;
use super::{clients, s3};

/// Every object below a prefix that the source's pattern admits (as a
/// local folder's: the pattern, or it and `.gz`) or that `dwh upload`
/// wrote, sorted by key; any other object is refused by name, as locally,
/// never skipped unsaid. The loader calls it on a blocking thread, where it waits on the runtime
/// for each S3 call and streams bodies through [`SyncIoBridge`].
#[derive(Debug)]
pub struct S3Source {
    bucket: String,
    prefix: String,
    pattern: FilePattern,
    handle: Handle,
    client: OnceLock<aws_sdk_s3::Client>,
}

impl S3Source {
    /// `prefix` is a "directory": listing stops at its slash, so
    /// `orders` never matches `orders_old/`. Must be called inside the
    /// runtime; the AWS client is made on first use.
    pub fn new(bucket: &str, prefix: &str, pattern: FilePattern, handle: Handle) -> S3Source {
        let prefix = prefix.trim_matches('/');
        S3Source {
            bucket: bucket.to_owned(),
            prefix: if prefix.is_empty() {
                String::new()
            } else {
                format!("{prefix}/")
            },
            pattern,
            handle,
            client: OnceLock::new(),
        }
    }

    fn client(&self) -> io::Result<&aws_sdk_s3::Client> {
        if let Some(client) = self.client.get() {
            return Ok(client);
        }
        let client = self
            .handle
            .block_on(clients::s3_only())
            .map_err(io::Error::other)?;
        Ok(self.client.get_or_init(|| client))
    }

    fn key<'a>(&self, file: &'a SourceFile) -> io::Result<&'a str> {
        file.name
            .strip_prefix("s3://")
            .and_then(|rest| rest.strip_prefix(self.bucket.as_str()))
            .and_then(|rest| rest.strip_prefix('/'))
            .ok_or_else(|| {
                io::Error::other(format!("{} is not in bucket {}", file.name, self.bucket))
            })
    }
}

impl Source for S3Source {
    fn location(&self) -> String {
        s3::uri(&self.bucket, &self.prefix)
    }

    fn files(&self) -> io::Result<Vec<SourceFile>> {
        let client = self.client()?;
        let objects = self
            .handle
            .block_on(s3::list(client, &self.bucket, &self.prefix))
            .map_err(|e| io::Error::other(format!("{e:#}")))?;
        let mut files = Vec::new();
        let mut refused = Vec::new();
        // A key ending in `/` is a folder marker some tools write: no file.
        for o in objects.into_iter().filter(|o| !o.key.ends_with('/')) {
            let uri = s3::uri(&self.bucket, &o.key);
            let name = o.key.rsplit('/').next().unwrap_or(&o.key);
            if !(is_upload_part(name) || self.pattern.admits(name)) {
                refused.push((uri, not_a_source(name, &self.pattern)));
                continue;
            }
            let key = o.key.strip_prefix(&self.prefix).unwrap_or(&o.key);
            files.push(SourceFile {
                name: uri,
                size: o.size,
                key: key.trim_start_matches('/').to_owned(),
                modified: o.modified,
                etag: o.etag,
            });
        }
        if refused.is_empty() {
            return Ok(files);
        }
        let pattern = self.pattern.to_string();
        let refused = Refused {
            pattern,
            files: refused,
        };
        Err(io::Error::new(io::ErrorKind::InvalidData, refused))
    }

    fn open(&self, file: &SourceFile) -> io::Result<Box<dyn Read + Send>> {
        let key = self.key(file)?;
        let body = self
            .handle
            .block_on(s3::get(self.client()?, &self.bucket, key))
            .map_err(|e| io::Error::other(format!("{e:#}")))?;
        let reader =
            SyncIoBridge::new_with_handle(Box::pin(body.into_async_read()), self.handle.clone());
        Ok(if is_gzipped(key) {
            Box::new(MultiGzDecoder::new(reader))
        } else {
            Box::new(reader)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn names_and_locations() {
        let source = S3Source::new(
            "b-1",
            "/shop/orders/",
            FilePattern::new("*.json").unwrap(),
            Handle::current(),
        );
        assert_eq!(source.location(), "s3://b-1/shop/orders/");
        let file = SourceFile::new(
            "s3://b-1/shop/orders/part-00000.json.gz",
            "part-00000.json.gz",
            1,
        );
        assert_eq!(source.key(&file).unwrap(), "shop/orders/part-00000.json.gz");
        let other = SourceFile::new("s3://b-2/x.json", "x.json", 1);
        assert!(source.key(&other).is_err());
    }
}
