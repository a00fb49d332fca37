//! `dwh upload`: JSON and CSV source files become gzip parts, a multiple
//! of the cluster's slices, listed in a manifest, as AWS recommends for a
//! fast COPY (every slice loads one part at a time in parallel); Parquet
//! files go as they are ([`parquet`]). The schema's jsonpaths documents go
//! along. Every source is split and checked before anything is written
//! to S3, so bad input refuses the upload whole.

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use aws_sdk_s3::primitives::ByteStream;
use dwh_core::load::{Checksum, LocalDir, Source, SourceFile};
use dwh_core::project::{Format, StagingSource};
use dwh_core::sql::ledger::LedgerFile;
use dwh_core::Project;
use flate2::write::GzEncoder;
use flate2::Compression;
use futures_util::{StreamExt, TryStreamExt};
use serde_json::value::RawValue;

use super::layout::{part_extension, Layout};
use super::{s3, sidecar};
use crate::console;

mod csv;
mod parquet;

pub use self::csv::uploaded_form;

/// Uncompressed bytes aimed at per part: ~10–20 MB gzipped JSON, within
/// AWS's 1 MB–1 GB advice, and small enough to upload in one request.
pub const TARGET_PART_BYTES: u64 = 128 << 20;
/// Parts uploaded at once.
const UPLOADS_IN_FLIGHT: usize = 4;

/// Parts for `total_bytes` of input on `slices` slices: the smallest
/// multiple of `slices` that keeps parts near [`TARGET_PART_BYTES`].
pub fn part_count(total_bytes: u64, slices: u32) -> usize {
    let slices = u64::from(slices.max(1));
    let rounds = total_bytes.div_ceil(slices * TARGET_PART_BYTES).max(1);
    (slices * rounds) as usize
}

/// One written part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub path: PathBuf,
    pub records: u64,
    /// Bytes before compression (a Parquet file's size).
    pub raw_bytes: u64,
}

/// What [`split`] wrote: the parts, and each source file as the load
/// ledger records it (its records counted, its bytes hashed on the way).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    pub parts: Vec<Part>,
    pub files: Vec<LedgerFile>,
}

/// A reader that hashes what it reads, for the ledger's checksum
/// ([`Source::checksum`]'s XXH3) without reading a file twice.
struct Hashing<R> {
    inner: R,
    hash: Checksum,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.write_all(&buf[..n])?;
        Ok(n)
    }
}

/// The parts being written.
struct Writer<'a> {
    dir: &'a Path,
    /// The part files' extension: `json.gz` or `csv.gz`.
    extension: &'static str,
    /// The line each part starts with (CSV's header), if any.
    header: Option<Vec<u8>>,
    parts: usize,
    total: u64,
    written: Vec<Part>,
    /// Bytes in the parts already written.
    done: u64,
    current: Option<(GzEncoder<BufWriter<File>>, Part)>,
}

impl<'a> Writer<'a> {
    fn new(dir: &'a Path, parts: usize, total: u64, extension: &'static str) -> Writer<'a> {
        Writer {
            dir,
            extension,
            header: None,
            parts: parts.max(1),
            total,
            written: Vec::new(),
            done: 0,
            current: None,
        }
    }

    /// Writes one record (`line` and a line end), starting a new part
    /// when this one is full.
    fn record(&mut self, line: &[u8]) -> anyhow::Result<()> {
        let size = line.len() as u64 + 1;
        // The target is what is left over the parts left, so parts stay
        // even and the last one is not starved (or empty) on small data.
        let left = (self.parts - self.written.len()) as u64;
        let target = self.total.saturating_sub(self.done).div_ceil(left).max(1);
        let full = self.current.as_ref().is_some_and(|(_, p)| {
            p.records > 0 && p.raw_bytes + size > target && self.written.len() + 1 < self.parts
        });
        if full {
            self.finish_part()?;
        }
        if self.current.is_none() {
            self.open_part()?;
        }
        let Some((encoder, part)) = self.current.as_mut() else {
            unreachable!("a part was just opened")
        };
        encoder.write_all(line)?;
        encoder.write_all(b"\n")?;
        part.records += 1;
        part.raw_bytes += size;
        Ok(())
    }

    /// Opens the next part and writes its header line, if any.
    fn open_part(&mut self) -> anyhow::Result<()> {
        let name = format!("part-{:05}.{}", self.written.len(), self.extension);
        let path = self.dir.join(name);
        let out = File::create(&path).with_context(|| format!("creating {}", path.display()))?;
        let mut encoder = GzEncoder::new(BufWriter::new(out), Compression::default());
        let mut raw_bytes = 0;
        if let Some(header) = &self.header {
            encoder.write_all(header)?;
            encoder.write_all(b"\n")?;
            raw_bytes = header.len() as u64 + 1;
        }
        let part = Part {
            path,
            records: 0,
            raw_bytes,
        };
        self.current = Some((encoder, part));
        Ok(())
    }

    fn finish_part(&mut self) -> anyhow::Result<()> {
        if let Some((encoder, part)) = self.current.take() {
            encoder.finish()?.flush()?;
            self.done += part.raw_bytes;
            self.written.push(part);
        }
        Ok(())
    }
}

/// Streams every JSON record of `files` (of `source`) into up to `parts`
/// gzip files in `dir`, in order, each holding about the same number of
/// bytes; one record per line. Records are copied as they are (no
/// re-encoding of numbers). Parts that would be empty are not written.
pub fn split(
    source: &dyn Source,
    files: &[SourceFile],
    parts: usize,
    dir: &Path,
) -> anyhow::Result<Split> {
    let total = files.iter().map(|f| f.size).sum();
    let mut writer = Writer::new(dir, parts, total, "json.gz");
    let ledger = each_file(source, files, |file, reader| {
        json_records(file, reader, &mut writer)
    })?;
    writer.finish_part()?;
    Ok(Split {
        parts: writer.written,
        files: ledger,
    })
}

/// Copies the JSON records of `file` into `writer`, one per line; how many.
fn json_records(file: &SourceFile, reader: &mut Input, writer: &mut Writer) -> anyhow::Result<u64> {
    let mut rows = 0u64;
    let records = serde_json::Deserializer::from_reader(reader).into_iter::<Box<RawValue>>();
    for record in records {
        let record = record
            .map_err(|e| anyhow::anyhow!("{} line {}: not JSON: {e}", file.name, e.line()))?;
        // One record per line, so a COPY error's line number is the
        // record's. JSON strings cannot hold raw line breaks, so every
        // break is whitespace between tokens.
        let raw = record.get();
        let text: Cow<str> = if raw.contains(['\n', '\r']) {
            Cow::Owned(raw.replace(['\n', '\r'], " "))
        } else {
            Cow::Borrowed(raw)
        };
        writer.record(text.as_bytes())?;
        rows += 1;
    }
    Ok(rows)
}

/// Streams every CSV row of `files` into up to `parts` gzip files in
/// `dir`, rewritten into the form the CSV COPY reads ([`csv`]).
fn split_csv(
    source: &dyn Source,
    form: &csv::CsvParts,
    files: &[SourceFile],
    parts: usize,
    dir: &Path,
) -> anyhow::Result<Split> {
    let total = files.iter().map(|f| f.size).sum();
    let mut writer = Writer::new(dir, parts, total, "csv.gz");
    writer.header = Some(form.header());
    let ledger = each_file(source, files, |file, reader| {
        form.rewrite(file, &mut *reader, &mut writer)
    })?;
    writer.finish_part()?;
    Ok(Split {
        parts: writer.written,
        files: ledger,
    })
}

/// A source file as read: buffered, hashed on the way.
type Input = BufReader<Hashing<Box<dyn Read + Send>>>;

/// Reads each of `files` through `records` (which returns the rows it
/// read), hashing the bytes on the way: the files as the ledger records them.
fn each_file(
    source: &dyn Source,
    files: &[SourceFile],
    mut records: impl FnMut(&SourceFile, &mut Input) -> anyhow::Result<u64>,
) -> anyhow::Result<Vec<LedgerFile>> {
    let mut ledger = Vec::with_capacity(files.len());
    for file in files {
        let opened = source
            .open(file)
            .with_context(|| format!("opening {}", file.name))?;
        let mut reader = BufReader::new(Hashing {
            inner: opened,
            hash: Checksum::default(),
        });
        let rows = records(file, &mut reader)?;
        // Whatever trails the last record counts in the checksum too.
        std::io::copy(&mut reader, &mut std::io::sink())?;
        ledger.push(LedgerFile {
            key: file.key.clone(),
            size: file.size,
            modified: file.modified,
            checksum: reader.get_ref().hash.finish(),
            rows,
        });
    }
    Ok(ledger)
}

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
            split_csv(local, &csv::CsvParts { options, table }, files, count, dir)
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
        let local = LocalDir::of(dir, source);
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

/// Reads back a part: its lines.
#[cfg(test)]
fn read_part(bytes: &[u8]) -> std::io::Result<String> {
    use std::io::Read;
    let mut text = String::new();
    flate2::read::MultiGzDecoder::new(bytes).read_to_string(&mut text)?;
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn part_counts_are_multiples_of_slices() {
        assert_eq!(part_count(0, 4), 4);
        assert_eq!(part_count(10 << 20, 4), 4);
        assert_eq!(part_count(4 * TARGET_PART_BYTES, 4), 4);
        assert_eq!(part_count(4 * TARGET_PART_BYTES + 1, 4), 8);
        assert_eq!(part_count(100 * TARGET_PART_BYTES, 16), 112);
        assert_eq!(part_count(1, 0), 1);
        for (bytes, slices) in [(1u64 << 33, 6u32), (12345, 2), (1 << 40, 32)] {
            assert_eq!(part_count(bytes, slices) % slices as usize, 0);
        }
    }

    /// Splits every `*.json` file below `input`.
    fn split_all(input: &Path, parts: usize, out: &Path) -> anyhow::Result<Split> {
        let source = LocalDir::new(input);
        split(&source, &source.files()?, parts, out)
    }

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("dwh-split-test-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn splits_records_evenly_and_keeps_them_intact() {
        let input = scratch("in");
        // JSON lines in one file, one pretty-printed object in another.
        let mut lines = String::new();
        for i in 0..100 {
            lines.push_str(&format!(
                "{{\"ts\": 1541105830796.0, \"i\": {i}, \"s\": \"a\\nb\"}}\n"
            ));
        }
        std::fs::write(input.join("a.json"), &lines).unwrap();
        std::fs::write(
            input.join("b.json"),
            "{\n  \"song\": \"x\",\n  \"n\": [1, 2]\n}\n",
        )
        .unwrap();
        let out = scratch("out");
        let parts = split_all(&input, 4, &out).unwrap().parts;
        assert_eq!(parts.len(), 4);
        assert_eq!(parts.iter().map(|p| p.records).sum::<u64>(), 101);
        let mut all = String::new();
        for part in &parts {
            assert!(part.records >= 20, "{parts:?}");
            all.push_str(&read_part(&std::fs::read(&part.path).unwrap()).unwrap());
        }
        let records: Vec<&str> = all.lines().collect();
        assert_eq!(records.len(), 101, "one record per line");
        assert_eq!(
            records[0],
            "{\"ts\": 1541105830796.0, \"i\": 0, \"s\": \"a\\nb\"}"
        );
        assert_eq!(records[100], "{   \"song\": \"x\",   \"n\": [1, 2] }");
        let _ = std::fs::remove_dir_all(&input);
        let _ = std::fs::remove_dir_all(&out);
    }

    #[test]
    fn counts_and_hashes_each_source_file() {
        let input = scratch("ledger");
        std::fs::create_dir_all(input.join("2018/11")).unwrap();
        let three = "{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n";
        std::fs::write(input.join("2018/11/a.json"), three).unwrap();
        std::fs::write(input.join("b.json"), "{\n  \"b\": [1,\n 2]\n}\n\n").unwrap();
        std::fs::write(input.join("c.json"), "").unwrap();
        let out = scratch("ledger-out");
        let source = LocalDir::new(&input);
        let listed = source.files().unwrap();
        let split = split(&source, &listed, 2, &out).unwrap();
        let rows: Vec<(&str, u64)> = split
            .files
            .iter()
            .map(|f| (f.key.as_str(), f.rows))
            .collect();
        assert_eq!(rows, [("2018/11/a.json", 3), ("b.json", 1), ("c.json", 0)]);
        for (file, listed) in split.files.iter().zip(&listed) {
            // The checksum the local path records, so both paths agree.
            assert_eq!(file.checksum, source.checksum(listed).unwrap());
            assert_eq!((file.size, file.modified), (listed.size, listed.modified));
        }
        let _ = std::fs::remove_dir_all(&input);
        let _ = std::fs::remove_dir_all(&out);
    }

    #[test]
    fn small_records_fill_every_part() {
        let input = scratch("songs");
        for i in 0..71 {
            std::fs::write(
                input.join(format!("s{i:02}.json")),
                format!("{{\"song\": \"{i:03}\"}}\n"),
            )
            .unwrap();
        }
        let out = scratch("songs-out");
        let parts = split_all(&input, 16, &out).unwrap().parts;
        assert_eq!(parts.len(), 16, "{parts:?}");
        assert_eq!(parts.iter().map(|p| p.records).sum::<u64>(), 71);
        assert!(
            parts.iter().all(|p| (4..=5).contains(&p.records)),
            "{parts:?}"
        );
        let _ = std::fs::remove_dir_all(&input);
        let _ = std::fs::remove_dir_all(&out);
    }

    #[test]
    fn few_records_make_fewer_parts_never_empty_ones() {
        let input = scratch("few");
        std::fs::write(input.join("a.json"), "{\"a\":1}\n{\"a\":2}\n").unwrap();
        let out = scratch("few-out");
        let parts = split_all(&input, 8, &out).unwrap().parts;
        assert_eq!(parts.len(), 2);
        assert!(parts.iter().all(|p| p.records == 1));
        let _ = std::fs::remove_dir_all(&input);
        let _ = std::fs::remove_dir_all(&out);
    }

    #[test]
    fn bad_json_names_the_file_and_line() {
        let input = scratch("bad");
        std::fs::write(input.join("a.json"), "{\"a\":1}\n{\"a\":\n").unwrap();
        let out = scratch("bad-out");
        let e = split_all(&input, 2, &out).unwrap_err().to_string();
        assert!(e.contains("a.json line 3"), "{e}");
        let _ = std::fs::remove_dir_all(&input);
        let _ = std::fs::remove_dir_all(&out);
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
}

#[cfg(test)]
mod parquet_tests {
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
        let local = LocalDir::of(&dir, &source);
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
