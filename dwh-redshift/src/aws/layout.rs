//! Where things live in the data bucket, in one place so upload, COPY,
//! status and the S3 source agree:
//!
//! ```text
//! s3://bucket/prefix/orders/part-00000.json.gz …   data parts (gzip, JSON)
//! s3://bucket/prefix/products/part-00000.json.gz …
//! s3://bucket/prefix/manifests/orders.manifest      COPY manifests
//! s3://bucket/prefix/manifests/orders.files.json    the files each one holds
//! s3://bucket/prefix/jsonpaths/staging_events.jsonpaths
//! ```

/// Whether `name` (below a data set's prefix) is a part `dwh upload`
/// writes: `part-00000.json.gz`.
pub fn is_upload_part(name: &str) -> bool {
    name.strip_prefix("part-")
        .and_then(|n| n.strip_suffix(".json.gz"))
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

    pub fn part_key(&self, dir: &str, index: usize) -> String {
        self.key(&format!("{dir}/part-{index:05}.json.gz"))
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
        assert_eq!(l.part_key("orders", 3), "shop/orders/part-00003.json.gz");
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
