//! An S3 prefix as a [`Source`] for the local loader: `dwh all --data
//! s3://bucket/prefix` reads the same objects a Redshift COPY would, so the
//! cloud data path runs end to end without a cluster.

use std::io::{self, Read};
use std::sync::OnceLock;

use dwh_core::load::{not_a_source, Refused, Source, SourceFile};
use dwh_core::project::{is_gzipped, FilePattern, Format};
use flate2::read::MultiGzDecoder;
use tokio::runtime::Handle;
use tokio_util::io::SyncIoBridge;

use super::layout::is_upload_part_of;
use super::upload::uploaded_form;
use super::{clients, s3};

/// Every object below a prefix that the source's pattern admits (as a
/// local folder's: the pattern, or it and `.gz`) or that `dwh upload`
/// wrote for its format, sorted by key; any other object is refused by
/// name, as locally, never skipped unsaid. A CSV source is read from the
/// parts `dwh upload` wrote only: they are in the one form the upload
/// rewrites CSV into, not in the source's own options. The loader calls it on a blocking thread, where it waits on the runtime
/// for each S3 call and streams bodies through [`SyncIoBridge`].
#[derive(Debug)]
pub struct S3Source {
    bucket: String,
    prefix: String,
    pattern: FilePattern,
    /// The source's declared format: which parts are its own.
    declared: Format,
    /// The format its objects are read in (CSV parts: the uploaded form).
    format: Format,
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
            declared: Format::Json,
            format: Format::Json,
            handle,
            client: OnceLock::new(),
        }
    }

    /// Reads the objects as a source of `format` declares (JSON otherwise).
    pub fn format(mut self, format: Format) -> S3Source {
        self.format = match format {
            Format::Csv(_) => Format::Csv(uploaded_form()),
            Format::Json | Format::Parquet => format.clone(),
        };
        self.declared = format;
        self
    }

    /// Why the object `name` is not read, if it is not.
    fn refusal(&self, name: &str) -> Option<String> {
        if is_upload_part_of(name, &self.declared) {
            return None;
        }
        if let Format::Csv(_) = self.declared {
            return Some(
                "a CSV source on S3 is read from the parts `dwh upload` writes \
                 (part-NNNNN.csv.gz), in the form it rewrites CSV into"
                    .to_owned(),
            );
        }
        (!self.pattern.admits(name)).then(|| not_a_source(name, &self.pattern))
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
            if let Some(why) = self.refusal(name) {
                refused.push((uri, why));
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

    fn format(&self) -> &Format {
        &self.format
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

    #[tokio::test]
    async fn a_csv_source_reads_the_uploaded_parts_in_their_form() {
        let csv = dwh_core::project::Csv::new().delimiter(b';').null_as("NA");
        let source = S3Source::new(
            "b-1",
            "shop/airports",
            FilePattern::new("*.csv").unwrap(),
            Handle::current(),
        )
        .format(Format::Csv(csv));
        assert_eq!(Source::format(&source), &Format::Csv(uploaded_form()));
        assert_eq!(source.refusal("part-00000.csv.gz"), None);
        assert!(source.refusal("airports.csv").is_some());
        assert!(source.refusal("part-00000.json.gz").is_some());
        let parquet = S3Source::new(
            "b-1",
            "shop/flights",
            FilePattern::new("*.parquet").unwrap(),
            Handle::current(),
        )
        .format(Format::Parquet);
        assert_eq!(Source::format(&parquet), &Format::Parquet);
        assert_eq!(parquet.refusal("part-00003.parquet"), None);
        assert_eq!(parquet.refusal("2013-01.parquet"), None);
        assert!(parquet.refusal("part-00000.json.gz").is_some());
    }
}
