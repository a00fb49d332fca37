//! Source files into gzip parts, a multiple of the cluster's slices, as
//! AWS recommends for a fast COPY: JSON records copied as they are, one
//! per line; CSV rows rewritten into the one form the CSV COPY reads
//! ([`super::csv`]). Each source file is counted and hashed on the way, as
//! the load ledger records it.

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use dwh_core::load::{Checksum, Source, SourceFile};
use dwh_core::sql::ledger::LedgerFile;
use flate2::write::GzEncoder;
use flate2::Compression;
use serde_json::value::RawValue;

use super::csv::CsvParts;

/// Uncompressed bytes aimed at per part: ~10–20 MB gzipped JSON, within
/// AWS's 1 MB–1 GB advice, and small enough to upload in one request.
pub const TARGET_PART_BYTES: u64 = 128 << 20;

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
/// `dir`, rewritten into the form the CSV COPY reads ([`super::csv`]).
pub(super) fn split_csv(
    source: &dyn Source,
    form: &CsvParts,
    files: &[SourceFile],
    parts: usize,
    dir: &Path,
) -> anyhow::Result<Split> {
    let total = files.iter().map(|f| f.size).sum();
    let mut writer = Writer::new(dir, parts, total, "csv.gz");
    writer.header = Some(form.header());
    let ledger = each_file(source, files, |file, reader| {
        form.rewrite(file, &mut *reader, &mut |line| writer.record(line))
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
    use crate::aws::upload::parts::*;
    use dwh_core::load::LocalDir;

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

    /// A CSV source of one NOT NULL column.
    #[derive(dwh_core::StagingTable)]
    #[dwh(table = "staging_codes", diststyle = even)]
    #[allow(dead_code)]
    struct StagingCode {
        #[dwh(varchar = 3)]
        faa: String,
    }

    /// Every CSV part starts with the header, so IGNOREHEADER 1 skips
    /// exactly it; the ledger's checksum is the local loader's.
    #[test]
    fn every_csv_part_has_one_header_and_the_ledger_hashes_the_source() {
        use dwh_core::project::{Csv, FilePattern, Format};
        let input = scratch("csv-parts");
        let mut file = String::from("faa\n");
        for i in 0..40 {
            file.push_str(&format!("A{i:02}\n"));
        }
        std::fs::write(input.join("a.csv"), &file).unwrap();
        let options = Csv::new();
        let source = LocalDir::matching(&input, FilePattern::new("*.csv").unwrap())
            .format(Format::Csv(options.clone()));
        let form = CsvParts {
            options: &options,
            table: &<StagingCode as dwh_core::StagingTable>::TABLE,
        };
        let out = scratch("csv-parts-out");
        let listed = source.files().unwrap();
        let split = split_csv(&source, &form, &listed, 4, &out).unwrap();
        assert_eq!(split.parts.len(), 4);
        for part in &split.parts {
            let text = read_part(&std::fs::read(&part.path).unwrap()).unwrap();
            assert_eq!(
                text.lines().filter(|l| *l == "\"faa\"").count(),
                1,
                "{text}"
            );
            assert!(text.starts_with("\"faa\"\n"), "{text}");
        }
        assert_eq!(split.parts.iter().map(|p| p.records).sum::<u64>(), 40);
        assert_eq!(
            split.files[0].checksum,
            source.checksum(&listed[0]).unwrap()
        );
        assert_eq!(split.files[0].rows, 40);
        let _ = std::fs::remove_dir_all(&input);
        let _ = std::fs::remove_dir_all(&out);
    }
}
