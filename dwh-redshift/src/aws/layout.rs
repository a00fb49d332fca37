//! Where things live in the data bucket, in one place so upload, COPY,
//! status and the S3 source agree:
//!
//! ```text
//! s3://bucket/prefix/orders/part-00000.json.gz …   data parts (gzip, JSON)
//! s3://bucket/prefix/airports/part-00000.csv.gz …   (gzip, CSV as the COPY reads it)
//! s3://bucket/prefix/flights/part-00000.parquet …   (Parquet files as they are)
//! s3://bucket/prefix/manifests/orders.manifest      COPY manifests
//! s3://bucket/prefix/manifests/orders.files.json    the files each one holds
//! s3://bucket/prefix/jsonpaths/staging_events.jsonpaths
//! ```

use dwh_core::project::Format;

/// The extensions of the parts `dwh upload` writes, one per format.
const PART_EXTENSIONS: [&str; 3] = ["json.gz", "csv.gz", "parquet"];

/// The extension of the parts of a source of `format`.
pub fn part_extension(format: &Format) -> &'static str {
    match format {
        Format::Json => PART_EXTENSIONS[0],
        Format::Csv(_) => PART_EXTENSIONS[1],
        Format::Parquet => PART_EXTENSIONS[2],
    }
}

/// Whether `name` (below a data set's prefix) is a part `dwh upload`
/// writes for some format: `part-00000.json.gz`, `.csv.gz`, `.parquet`.
pub fn is_upload_part(name: &str) -> bool {
    PART_EXTENSIONS.iter().any(|ext| is_part_of(name, ext))
}

/// Whether `name` is a part of a source of `format`.
pub fn is_upload_part_of(name: &str, format: &Format) -> bool {
    is_part_of(name, part_extension(format))
}

fn is_part_of(name: &str, extension: &str) -> bool {
    name.strip_prefix("part-")
        .and_then(|n| n.strip_suffix(extension))
        .and_then(|n| n.strip_suffix('.'))
        .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    pub bucket: String,
    pub prefix: String,
}

impl Layout {
    pub fn new(bucket: &str, prefix: &str) -> Layout {
        Layout {
            bucket: bucket.to_owned(),
            prefix: prefix.trim_matches('/').to_owned(),
        }
    }

    fn key(&self, rest: &str) -> String {
        if self.prefix.is_empty() {
            rest.to_owned()
        } else {
            format!("{}/{rest}", self.prefix)
        }
    }

    /// The key prefix of a data set's parts, with a trailing slash.
    pub fn data_prefix(&self, dir: &str) -> String {
        self.key(&format!("{dir}/"))
    }

    /// The key of part `index` of folder `dir`, named by `extension`
    /// ([`part_extension`]).
    pub fn part_key(&self, dir: &str, index: usize, extension: &str) -> String {
        self.key(&format!("{dir}/part-{index:05}.{extension}"))
    }

    /// Whether `key` is a part dwh wrote (stale ones are removed on upload).
    pub fn is_part_key(&self, dir: &str, key: &str) -> bool {
        key.strip_prefix(&self.data_prefix(dir))
            .is_some_and(is_upload_part)
    }

    pub fn manifest_key(&self, dir: &str) -> String {
        self.key(&format!("manifests/{dir}.manifest"))
    }

    /// The sidecar beside a manifest: the ledger rows of the files whose
    /// records its parts hold (see [`super::sidecar`]).
    pub fn sidecar_key(&self, dir: &str) -> String {
        self.key(&format!("manifests/{dir}.files.json"))
    }

    pub fn jsonpaths_key(&self, table: &str) -> String {
        self.key(&format!("jsonpaths/{table}.jsonpaths"))
    }

    /// Where one `dwh doctor` run puts its files (removed after it).
    pub fn doctor_prefix(&self, run: &str) -> String {
        self.key(&format!("doctor/{run}"))
    }

    pub fn uri(&self, key: &str) -> String {
        format!("s3://{}/{key}", self.bucket)
    }

    /// `s3://bucket/prefix`, what `dwh all --data` takes to read it back.
    pub fn root_uri(&self) -> String {
        if self.prefix.is_empty() {
            format!("s3://{}", self.bucket)
        } else {
            format!("s3://{}/{}", self.bucket, self.prefix)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys() {
        let l = Layout::new("b-1", "/shop/");
        assert_eq!(
            l.part_key("orders", 3, part_extension(&Format::Json)),
            "shop/orders/part-00003.json.gz"
        );
        let parquet = l.part_key("orders", 3, part_extension(&Format::Parquet));
        assert_eq!(parquet, "shop/orders/part-00003.parquet");
        assert!(
            l.is_part_key("orders", &parquet),
            "a stale part of another format"
        );
        assert!(is_upload_part_of(
            "part-00001.csv.gz",
            &Format::Csv(Default::default())
        ));
        assert!(!is_upload_part_of("part-00001.csv.gz", &Format::Json));
        assert!(!is_upload_part("part-00001gz") && !is_upload_part("part-.parquet"));
        assert_eq!(
            l.manifest_key("products"),
            "shop/manifests/products.manifest"
        );
        assert_eq!(
            l.sidecar_key("products"),
            "shop/manifests/products.files.json"
        );
        assert_eq!(
            l.uri(&l.jsonpaths_key("staging_events")),
            "s3://b-1/shop/jsonpaths/staging_events.jsonpaths"
        );
        assert_eq!(l.root_uri(), "s3://b-1/shop");
        assert!(l.is_part_key("orders", "shop/orders/part-00012.json.gz"));
        assert!(!l.is_part_key("orders", "shop/orders/2018/11/events.json"));
        assert!(!l.is_part_key("orders", "shop/products/part-00001.json.gz"));
        let bare = Layout::new("b-1", "");
        assert_eq!(bare.data_prefix("orders"), "orders/");
        assert_eq!(bare.root_uri(), "s3://b-1");
    }
}
