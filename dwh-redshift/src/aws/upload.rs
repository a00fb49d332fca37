//! `dwh upload`: JSON and CSV source files become gzip parts, a multiple
//! of the cluster's slices, listed in a manifest, as AWS recommends for a
//! fast COPY (every slice loads one part at a time in parallel); Parquet
//! files go as they are ([`parquet`]). The schema's jsonpaths documents go
//! along. Every source is split and checked before anything is written
//! to S3, so bad input refuses the upload whole.

use std::path::{Path, PathBuf};

use anyhow::Context;
use aws_sdk_s3::primitives::ByteStream;
use dwh_core::load::{LocalDir, Source, SourceFile};
use dwh_core::project::{Format, StagingSource};
use dwh_core::sql::ledger::LedgerFile;
use dwh_core::Project;
use futures_util::{StreamExt, TryStreamExt};

use super::layout::{part_extension, Layout};
use super::{s3, sidecar};
use crate::console;

mod csv;
mod parquet;
mod parts;

pub use self::csv::uploaded_form;
pub use parts::{part_count, split, Part, Split, TARGET_PART_BYTES};

/// Parts uploaded at once.
const UPLOADS_IN_FLIGHT: usize = 4;

/// One source's files as parts in `dir`, by its format: JSON and CSV split
/// into `count` gzip parts, Parquet files each checked and taken as they are.
fn split_source(
    source: &StagingSource,
    local: &LocalDir,
    files: &[SourceFile],
    count: usize,
    dir: &Path,
) -> anyhow::Result<Split> {
    let table = source.table;
    match &source.format {
        Format::Json => split(local, files, count, dir),
        Format::Csv(options) => {
            parts::split_csv(local, &csv::CsvParts { options, table }, files, count, dir)
        }
        Format::Parquet => parquet::parts(local, table, files),
    }
}

/// A Redshift COPY manifest listing `urls` with their sizes; every entry is
/// mandatory, so a missing part fails the COPY instead of loading less.
/// `meta.content_length`, the object's size in bytes, is required to load
/// Parquet (<https://docs.aws.amazon.com/redshift/latest/dg/loading-data-files-using-manifest.html>).
pub fn manifest(entries: &[(String, u64)]) -> String {
    let entries: Vec<serde_json::Value> = entries
        .iter()
        .map(|(url, size)| {
            serde_json::json!({ "url": url, "mandatory": true, "meta": { "content_length": size } })
        })
        .collect();
    serde_json::to_string_pretty(&serde_json::json!({ "entries": entries })).unwrap_or_default()
}

/// What one data set's upload did.
#[derive(Debug, Clone)]
pub struct Uploaded {
    pub table: &'static str,
    /// The files uploaded, as the load ledger records them.
    pub files: Vec<LedgerFile>,
    pub records: u64,
    pub raw_bytes: u64,
    pub parts: Vec<(String, u64)>,
    pub manifest: String,
    /// Parts of an earlier upload that this one no longer lists.
    pub removed: usize,
}

/// One staging source's files to upload.
#[derive(Debug, Clone)]
pub struct Chosen<'a> {
    pub source: &'a StagingSource,
    /// Its folder below the data directory.
    pub local: LocalDir,
    pub files: Vec<SourceFile>,
}

/// Every data file of each staging source below `data`, listed before
/// any network call; a missing folder is named with what `data` must hold.
pub fn list_local<'a>(data: &Path, project: &'a Project) -> anyhow::Result<Vec<Chosen<'a>>> {
    let mut chosen = Vec::new();
    for source in project.sources() {
        let dir = data.join(&source.dir);
        if !dir.is_dir() {
            anyhow::bail!(
                "{} has no {}/ directory; a data directory of warehouse `{}` holds {}",
                data.display(),
                source.dir,
                project.name(),
                project.expected_dirs()
            );
        }
        let local = LocalDir::matching(dir, source.pattern.clone()).format(source.format.clone());
        let files = local
            .files()
            .with_context(|| format!("listing {}", local.location()))?;
        chosen.push(Chosen {
            source,
            local,
            files,
        });
    }
    Ok(chosen)
}

/// One source split into parts in the scratch folder, ready to upload.
pub struct Prepared<'a> {
    source: &'a StagingSource,
    location: String,
    split: Split,
    raw_bytes: u64,
}

/// The scratch folder parts are written to, removed when dropped.
pub struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Splits (and checks) the `chosen` files of every source into parts for
/// `slices` slices, below a scratch folder: all of it before anything is
/// written to S3, so a bad file refuses the upload whole.
pub async fn prepare<'a>(
    chosen: Vec<Chosen<'a>>,
    slices: u32,
) -> anyhow::Result<(Scratch, Vec<Prepared<'a>>)> {
    let scratch = Scratch(std::env::temp_dir().join(format!("dwh-upload-{}", std::process::id())));
    let mut prepared = Vec::with_capacity(chosen.len());
    for Chosen {
        source,
        local,
        files,
    } in chosen
    {
        let out = scratch.0.join(&source.dir);
        std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
        let location = local.location();
        let bar = console::spinner(format!("splitting and checking {location}"));
        let raw_bytes: u64 = files.iter().map(|f| f.size).sum();
        let count = part_count(raw_bytes, slices);
        let owned = source.clone();
        let split =
            tokio::task::spawn_blocking(move || split_source(&owned, &local, &files, count, &out))
                .await??;
        bar.finish_and_clear();
        prepared.push(Prepared {
            source,
            location,
            split,
            raw_bytes,
        });
    }
    Ok((scratch, prepared))
}

/// Uploads each `prepared` source into `layout`: parts, a manifest listing
/// only them, and the sidecar of their ledger rows ([`super::sidecar`]);
/// then the jsonpaths document of every JSON source.
pub async fn upload(
    client: &aws_sdk_s3::Client,
    layout: &Layout,
    project: &Project,
    prepared: Vec<Prepared<'_>>,
) -> anyhow::Result<Vec<Uploaded>> {
    let target = Target { client, layout };
    let mut reports = Vec::new();
    for one in prepared {
        reports.push(target.upload_source(one).await?);
    }
    for source in project
        .sources()
        .iter()
        .filter(|s| s.format == Format::Json)
    {
        let table = source.table;
        s3::put(
            client,
            &layout.bucket,
            &layout.jsonpaths_key(table.name),
            ByteStream::from(dwh_core::sql::jsonpaths(table).into_bytes()),
            "application/json",
        )
        .await?;
    }
    Ok(reports)
}

/// Where an upload goes.
struct Target<'a> {
    client: &'a aws_sdk_s3::Client,
    layout: &'a Layout,
}

impl Target<'_> {
    /// Uploads one source's parts with their manifest and sidecar, and
    /// removes parts of an earlier, larger upload (the manifest no longer
    /// lists them).
    async fn upload_source(&self, prepared: Prepared<'_>) -> anyhow::Result<Uploaded> {
        let (layout, dir) = (self.layout, prepared.source.dir.as_str());
        let (split, format) = (prepared.split, &prepared.source.format);
        let parts = &split.parts;
        let extension = part_extension(format);
        let keys: Vec<String> = (0..parts.len())
            .map(|i| layout.part_key(dir, i, extension))
            .collect();
        let bar = console::spinner(format!(
            "uploading {} parts of {} ({}) to {}",
            parts.len(),
            prepared.location,
            dwh_core::report::bytes(prepared.raw_bytes),
            layout.uri(&layout.data_prefix(dir))
        ));
        // No sidecar while parts and manifest change: a run without --data
        // stops at its absence instead of trusting a list of other files.
        s3::delete(self.client, &layout.bucket, &layout.sidecar_key(dir)).await?;
        let sizes = self.put_parts(parts, &keys, content_type(format)).await?;
        bar.finish_and_clear();
        let manifest_key = layout.manifest_key(dir);
        self.put_json(&manifest_key, manifest(&sizes)).await?;
        let manifest_uri = layout.uri(&manifest_key);
        let sidecar = sidecar::to_json(&manifest_uri, &split.files);
        self.put_json(&layout.sidecar_key(dir), sidecar).await?;
        Ok(Uploaded {
            table: prepared.source.table.name,
            records: parts.iter().map(|p| p.records).sum(),
            raw_bytes: parts.iter().map(|p| p.raw_bytes).sum(),
            files: split.files,
            parts: sizes,
            manifest: manifest_uri,
            removed: self.remove_stale(dir, &keys).await?,
        })
    }

    async fn put_json(&self, key: &str, text: String) -> anyhow::Result<()> {
        let body = ByteStream::from(text.into_bytes());
        s3::put(
            self.client,
            &self.layout.bucket,
            key,
            body,
            "application/json",
        )
        .await
    }

    /// Uploads `parts` under `keys`, a few at a time; each one's URI and
    /// size (a Parquet manifest entry needs it as `content_length`).
    async fn put_parts(
        &self,
        parts: &[Part],
        keys: &[String],
        content_type: &'static str,
    ) -> anyhow::Result<Vec<(String, u64)>> {
        let (client, layout) = (self.client, self.layout);
        futures_util::stream::iter(parts.iter().zip(keys))
            .map(|(part, key)| async move {
                let size = std::fs::metadata(&part.path)?.len();
                let body = ByteStream::from_path(&part.path)
                    .await
                    .with_context(|| format!("reading {}", part.path.display()))?;
                s3::put(client, &layout.bucket, key, body, content_type).await?;
                Ok::<_, anyhow::Error>((layout.uri(key), size))
            })
            .buffered(UPLOADS_IN_FLIGHT)
            .try_collect()
            .await
    }

    /// Removes the parts of `dir` not in `keys`: those of a larger earlier
    /// upload would be read twice by a source that lists the prefix.
    async fn remove_stale(&self, dir: &str, keys: &[String]) -> anyhow::Result<usize> {
        let (client, layout) = (self.client, self.layout);
        let mut removed = 0;
        for object in uploaded_parts(client, layout, dir).await? {
            if !keys.contains(&object.key) {
                s3::delete(client, &layout.bucket, &object.key).await?;
                removed += 1;
            }
        }
        Ok(removed)
    }
}

/// The media type of a part of `format`.
fn content_type(format: &Format) -> &'static str {
    match format {
        Format::Parquet => "application/vnd.apache.parquet",
        Format::Json | Format::Csv(_) => "application/gzip",
    }
}

/// The parts `dwh upload` wrote for folder `dir`, not other objects a person
/// left below it.
pub async fn uploaded_parts(
    client: &aws_sdk_s3::Client,
    layout: &Layout,
    dir: &str,
) -> anyhow::Result<Vec<s3::Object>> {
    let objects = s3::list(client, &layout.bucket, &layout.data_prefix(dir)).await?;
    Ok(objects
        .into_iter()
        .filter(|o| layout.is_part_key(dir, &o.key))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(dwh_core::StagingTable)]
    #[dwh(table = "staging_flights", diststyle = even)]
    #[allow(dead_code)]
    struct StagingFlight {
        flight: Option<i32>,
    }

    /// A file that is not the table's Parquet refuses the source before
    /// anything is uploaded, naming the file.
    #[test]
    fn a_parquet_file_that_does_not_fit_is_refused_by_name() {
        let dir = std::env::temp_dir().join(format!("dwh-parquet-up-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("2013-01.parquet"), b"not parquet").unwrap();
        let source = StagingSource {
            table: &<StagingFlight as dwh_core::StagingTable>::TABLE,
            dir: "flights".into(),
            pattern: dwh_core::project::FilePattern::new("*.parquet").unwrap(),
            format: Format::Parquet,
        };
        let local = LocalDir::matching(&dir, source.pattern.clone()).format(source.format.clone());
        let files = local.files().unwrap();
        let e = split_source(&source, &local, &files, 4, &dir)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("2013-01.parquet: does not fit table `staging_flights`"),
            "{e}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn manifests_list_every_part_as_mandatory() {
        let text = manifest(&[
            ("s3://b/p/part-00000.json.gz".into(), 10),
            ("s3://b/p/part-00001.json.gz".into(), 20),
        ]);
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        let entries = value["entries"].as_array().unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[1]["url"], "s3://b/p/part-00001.json.gz");
        assert_eq!(entries[1]["mandatory"], true);
        assert_eq!(entries[1]["meta"]["content_length"], 20);
    }

    /// A Parquet manifest entry carries `content_length`, the uploaded
    /// file's size (loading-data-files-using-manifest.html requires it).
    #[test]
    fn a_parquet_manifest_names_each_file_size() {
        let text = manifest(&[("s3://b/p/part-00000.parquet".into(), 4242)]);
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["entries"][0]["meta"]["content_length"], 4242);
        assert_eq!(value["entries"][0]["mandatory"], true);
    }
}
