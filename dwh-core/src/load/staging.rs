//! Loading one staging table from a [`Source`] by binary COPY.

use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use bytes::{Bytes, BytesMut};
use futures_util::SinkExt;
use serde::de::DeserializeSeed;
use serde::Serialize;
use tokio::sync::mpsc;
use tokio_postgres::Transaction;

use super::csv::CsvRecords;
use super::encode::{encode_record, ColumnCodec, HEADER, TRAILER};
pub use super::error::{LoadError, Rejected};
use super::parquet::ParquetRecords;
use super::reader::{strip_position, Parsed, ReadError, RecordReader};
pub use super::record::MAX_RECORD_BYTES;
use super::record::{KeyMap, RecordBuf, RecordSeed, Records, Unreadable};
use super::source::{Checksum, Source, SourceFile};
use super::testpoint;
use crate::project::Format;
use crate::schema::Table;
use crate::sql;
use crate::sql::ledger::LedgerFile;

/// Size at which an encoded buffer is handed to the connection.
const CHUNK_BYTES: usize = 256 * 1024;
/// Room past [`CHUNK_BYTES`] for the record that crosses it: each buffer is
/// allocated once at this size, not grown by doubling.
const CHUNK_CAPACITY: usize = CHUNK_BYTES + 64 * 1024;
/// Buffers in flight between parser and connection: bounds memory.
const CHUNKS_IN_FLIGHT: usize = 4;

/// What to do with bad records.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Bad records skipped before the load fails (Redshift's MAXERROR).
    /// Zero, the default, fails on the first one and loads nothing.
    pub max_errors: u64,
    /// Where skipped records are written, one JSON object per line.
    /// Required when `max_errors` is above zero: a bad record is never
    /// skipped silently. The file is written (replacing an earlier one) only
    /// when a record is skipped: a clean load keeps the rejects of an earlier
    /// run, which may be the only copy of those records.
    pub rejects: Option<PathBuf>,
}

/// Counters a progress display may poll while a load runs.
#[derive(Debug, Default)]
pub struct LoadProgress {
    /// Files finished.
    pub files: AtomicU64,
    /// Records parsed so far.
    pub records: AtomicU64,
    /// Source bytes read.
    pub bytes: AtomicU64,
    /// Records skipped as bad.
    pub rejected: AtomicU64,
}

/// What a staging load did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StagingReport {
    /// The staging table.
    pub table: &'static str,
    /// Where the files came from.
    pub location: String,
    /// Files read.
    pub files: u64,
    /// Rows loaded.
    pub rows: u64,
    /// Source bytes read.
    pub bytes: u64,
    /// Records skipped as bad.
    pub rejected: u64,
    /// Where they were written, if any were.
    pub rejects_file: Option<PathBuf>,
    /// Each file loaded, as the load ledger records it.
    #[serde(skip)]
    pub ledger: Vec<LedgerFile>,
}

/// Streams every record of `source` into `table` with the binary
/// `COPY … FROM STDIN` ([`sql::copy_binary_stdin`]), without emptying it
/// first: the pipeline runs the rendered `TRUNCATE` itself. On any error the
/// COPY is aborted; the caller's transaction then rolls back, leaving the
/// table as it was.
pub(crate) async fn copy_files(
    transaction: &Transaction<'_>,
    table: &'static Table,
    source: Arc<dyn Source>,
    files: Vec<SourceFile>,
    options: &LoadOptions,
    progress: Arc<LoadProgress>,
) -> Result<StagingReport, LoadError> {
    if let (None, max @ 1..) = (&options.rejects, options.max_errors) {
        return Err(LoadError::NoRejectsFile(max));
    }
    let copy_error = |source| LoadError::Copy {
        table: table.name,
        source,
    };
    let sink = transaction
        .copy_in(&sql::copy_binary_stdin(table))
        .await
        .map_err(copy_error)?;
    futures_util::pin_mut!(sink);

    let (sender, mut receiver) = mpsc::channel::<Bytes>(CHUNKS_IN_FLIGHT);
    let producer = {
        let source = Arc::clone(&source);
        let options = options.clone();
        tokio::task::spawn_blocking(move || {
            Producer::new(table, &options, sender, progress).run(source.as_ref(), &files)
        })
    };
    let mut sent = 0u64;
    while let Some(chunk) = receiver.recv().await {
        if let Err(e) = sink.send(chunk).await {
            drop(receiver); // stops the producer
            let _ = producer.await;
            return Err(copy_error(e));
        }
        sent += 1;
        if sent == 1 {
            testpoint::pause("copy", Some(table.name)).await;
        }
    }
    let mut report = producer
        .await
        .map_err(|_| LoadError::Interrupted(table.name))??;
    report.rows = sink.as_mut().finish().await.map_err(copy_error)?;
    report.location = source.location();
    Ok(report)
}

/// Where a [`Producer`] hands its encoded buffers.
pub(super) trait ChunkSink {
    /// Takes one buffer; an error means the consumer went away.
    fn send(&mut self, chunk: Bytes) -> Result<(), Cancelled>;
}

/// The consumer of a [`ChunkSink`] is gone.
pub(super) struct Cancelled;

impl ChunkSink for mpsc::Sender<Bytes> {
    fn send(&mut self, chunk: Bytes) -> Result<(), Cancelled> {
        self.blocking_send(chunk).map_err(|_| Cancelled)
    }
}

/// Parses and encodes records on a blocking thread.
pub(super) struct Producer<S> {
    table: &'static Table,
    keys: KeyMap,
    codecs: Vec<ColumnCodec>,
    options: LoadOptions,
    sink: S,
    progress: Arc<LoadProgress>,
    out: BytesMut,
    record: RecordBuf,
    /// The reader's block, handed from file to file.
    block: Vec<u8>,
    /// Records encoded since the last progress update.
    encoded: u64,
    rejects: Option<io::BufWriter<std::fs::File>>,
    report: StagingReport,
}

/// What became of one record: loaded, or the column at fault (if one is),
/// the reason, and how many records the bad one stands for.
type Outcome = Result<(), (Option<usize>, String, u64)>;

/// Why production stopped early.
enum Stop {
    Failed(LoadError),
    /// The consumer went away (the COPY failed); it reports why.
    Cancelled,
}

impl From<LoadError> for Stop {
    fn from(e: LoadError) -> Self {
        Stop::Failed(e)
    }
}

impl<S: ChunkSink> Producer<S> {
    pub(super) fn new(
        table: &'static Table,
        options: &LoadOptions,
        sink: S,
        progress: Arc<LoadProgress>,
    ) -> Producer<S> {
        let keys = KeyMap::new(
            table
                .columns
                .iter()
                .map(|c| c.json.map_or(c.name, |j| j.key))
                .collect(),
        );
        Producer {
            table,
            keys,
            codecs: table.columns.iter().map(ColumnCodec::of).collect(),
            options: options.clone(),
            sink,
            progress,
            out: BytesMut::with_capacity(CHUNK_CAPACITY),
            record: RecordBuf::default(),
            block: Vec::new(),
            encoded: 0,
            rejects: None,
            report: StagingReport {
                table: table.name,
                location: String::new(),
                files: 0,
                rows: 0,
                bytes: 0,
                rejected: 0,
                rejects_file: None,
                ledger: Vec::new(),
            },
        }
    }

    pub(super) fn run(
        mut self,
        source: &dyn Source,
        files: &[SourceFile],
    ) -> Result<StagingReport, LoadError> {
        self.out.extend_from_slice(HEADER);
        let result = files
            .iter()
            .try_for_each(|file| self.load_file(source, file))
            .and_then(|()| {
                self.out.extend_from_slice(TRAILER);
                self.flush()
            });
        match result {
            Ok(()) => {
                if let Some(mut rejects) = self.rejects.take() {
                    rejects.flush().map_err(|e| self.rejects_error(e))?;
                }
                Ok(self.report)
            }
            Err(Stop::Failed(e)) => Err(e),
            Err(Stop::Cancelled) => Err(LoadError::Interrupted(self.table.name)),
        }
    }

    fn load_file(&mut self, source: &dyn Source, file: &SourceFile) -> Result<(), Stop> {
        let io_error = LoadError::io(file);
        let checksum = Arc::new(Mutex::new(Checksum::default()));
        let hashing = || -> Result<Hashing, LoadError> {
            Ok(Hashing {
                inner: source.open(file).map_err(io_error)?,
                checksum: Arc::clone(&checksum),
            })
        };
        match source.format() {
            Format::Json => self.load_json(file, hashing()?, &checksum),
            Format::Csv(options) => {
                let records = CsvRecords::new(hashing()?, self.table, options, file)?;
                self.load_records(file, records, &checksum)
            }
            Format::Parquet => {
                let records = ParquetRecords::open(source, file, self.table)?;
                if let Ok(mut sum) = checksum.lock() {
                    let whole = source.checksum(file).map_err(io_error)?;
                    *sum = Checksum::known(whole);
                }
                self.load_records(file, records, &checksum)
            }
        }
    }

    /// Loads the records of a file in a format other than JSON, read by
    /// its format's [`Records`].
    fn load_records(
        &mut self,
        file: &SourceFile,
        mut records: impl Records,
        checksum: &Mutex<Checksum>,
    ) -> Result<(), Stop> {
        let io_error = LoadError::io(file);
        let (mut file_rows, mut index, mut counted) = (0u64, 0u64, 0u64);
        while let Some((line, read)) = records.next_into(&mut self.record).map_err(io_error)? {
            index += 1;
            let outcome = read
                .map_err(|bad| (None, bad.reason, bad.records))
                .and_then(|()| {
                    encode_record(&self.codecs, &self.record, &mut self.out)
                        .map_err(|(i, reason)| (Some(i), reason, 1))
                });
            match outcome {
                Ok(()) => {
                    self.encoded += 1;
                    file_rows += 1;
                }
                Err((column, reason, n)) => self.reject(file, line, index, column, reason, n)?,
            }
            if self.out.len() >= CHUNK_BYTES {
                counted = self.count_bytes(records.bytes_read(), counted);
                self.flush()?;
            }
        }
        let read = records.bytes_read();
        self.count_bytes(read, counted);
        self.finish_file(file, checksum, file_rows, read);
        Ok(())
    }

    fn load_json(
        &mut self,
        file: &SourceFile,
        input: Hashing,
        checksum: &Mutex<Checksum>,
    ) -> Result<(), Stop> {
        let io_error = LoadError::io(file);
        let mut file_rows = 0u64;
        let mut reader = RecordReader::with_buffer(input, std::mem::take(&mut self.block));
        let mut index = 0u64;
        let mut counted = 0u64;
        while let Some((line, outcome)) = self
            .next_record(&mut reader, &mut index)
            .map_err(io_error)?
        {
            match outcome {
                Ok(()) => {
                    self.encoded += 1;
                    file_rows += 1;
                }
                Err((column, reason, records)) => {
                    self.reject(file, line, index, column, reason, records)?
                }
            }
            if self.out.len() >= CHUNK_BYTES {
                counted = self.count_bytes(reader.bytes_read(), counted);
                self.flush()?;
            }
        }
        let read = reader.bytes_read();
        self.count_bytes(read, counted);
        self.block = reader.into_buffer();
        self.finish_file(file, checksum, file_rows, read);
        Ok(())
    }

    /// Reads the next record and encodes it into `out`: its line and
    /// whether it loaded, `None` at the end of the file. Counts records
    /// read, bad ones included, in `index`. Kept apart from `load_file` so
    /// the loop there reads as what happens to each record.
    #[inline]
    fn next_record<R: Read>(
        &mut self,
        reader: &mut RecordReader<R>,
        index: &mut u64,
    ) -> Result<Option<(u64, Outcome)>, io::Error> {
        let (keys, record) = (&self.keys, &mut self.record);
        let (line, outcome) = match reader.next_record_with(|json| read_record(keys, record, json))
        {
            Ok(None) => return Ok(None),
            Ok(Some(Parsed { line, result })) => {
                *index += 1;
                let outcome = result
                    .map_err(|bad| (None, bad.reason, bad.records))
                    .and_then(|()| {
                        encode_record(&self.codecs, &self.record, &mut self.out)
                            .map_err(|(i, reason)| (Some(i), reason, 1))
                    });
                (line, outcome)
            }
            Err(ReadError::Io(e)) => return Err(e),
            Err(ReadError::Syntax(e)) => {
                *index += 1;
                (
                    e.line,
                    Err((None, format!("invalid JSON: {}", e.message), 1)),
                )
            }
        };
        Ok(Some((line, outcome)))
    }

    /// Adds the source bytes read since `counted` to the progress counters
    /// and returns the new mark, so a display sees bytes chunk by chunk.
    #[inline]
    fn count_bytes(&self, read: u64, counted: u64) -> u64 {
        self.progress
            .bytes
            .fetch_add(read - counted, Ordering::Relaxed);
        read
    }

    /// Records a file read to its end: its ledger entry (what a later run
    /// compares to skip it) and the report's and progress's totals.
    fn finish_file(&mut self, file: &SourceFile, checksum: &Mutex<Checksum>, rows: u64, read: u64) {
        let checksum = checksum.lock().map(|c| c.finish()).unwrap_or_default();
        self.report.ledger.push(LedgerFile {
            key: file.key.clone(),
            size: file.size,
            modified: file.modified,
            checksum,
            rows,
        });
        self.report.files += 1;
        self.report.bytes += read;
        self.progress.files.fetch_add(1, Ordering::Relaxed);
    }

    fn flush(&mut self) -> Result<(), Stop> {
        self.progress
            .records
            .fetch_add(std::mem::take(&mut self.encoded), Ordering::Relaxed);
        let chunk = self.out.split().freeze();
        self.out.reserve(CHUNK_CAPACITY);
        self.sink.send(chunk).map_err(|Cancelled| Stop::Cancelled)
    }

    fn reject(
        &mut self,
        file: &SourceFile,
        line: u64,
        record: u64,
        column: Option<usize>,
        reason: String,
        records: u64,
    ) -> Result<(), Stop> {
        let column = column.map(|i| &self.table.columns[i]);
        let rejected = Box::new(Rejected {
            file: file.name.clone(),
            line,
            record,
            column: column.map(|c| c.name),
            field: column.map(|c| c.field),
            reason,
        });
        self.report.rejected += records;
        self.progress.rejected.fetch_add(records, Ordering::Relaxed);
        let table = self.table.name;
        if self.options.max_errors == 0 {
            return Err(LoadError::BadRecord { table, rejected }.into());
        }
        if self.report.rejected > self.options.max_errors {
            return Err(LoadError::TooManyBadRecords {
                table,
                max: self.options.max_errors,
                rejected,
                rejects: self.options.rejects.clone().unwrap_or_default(),
            }
            .into());
        }
        self.write_reject(&rejected)?;
        Ok(())
    }

    fn write_reject(&mut self, rejected: &Rejected) -> Result<(), LoadError> {
        let Some(path) = self.options.rejects.clone() else {
            return Ok(());
        };
        if self.rejects.is_none() {
            let file = std::fs::File::create(&path).map_err(|e| self.rejects_error(e))?;
            self.rejects = Some(io::BufWriter::new(file));
            self.report.rejects_file = Some(path);
        }
        let writer = self.rejects.as_mut().expect("opened above");
        let line = serde_json::to_string(&RejectLine {
            table: self.table.name,
            rejected,
        })
        .expect("rejects serialize");
        writeln!(writer, "{line}").map_err(|e| self.rejects_error(e))
    }

    fn rejects_error(&self, source: io::Error) -> LoadError {
        LoadError::Rejects {
            path: self.options.rejects.clone().unwrap_or_default(),
            source,
        }
    }
}

#[derive(Serialize)]
struct RejectLine<'a> {
    table: &'static str,
    #[serde(flatten)]
    rejected: &'a Rejected,
}

/// Reads one record's cells into `record`; on failure, the reason.
fn read_record(keys: &KeyMap, record: &mut RecordBuf, json: &str) -> Result<(), Unreadable> {
    if json.len() > MAX_RECORD_BYTES {
        return Err(Unreadable {
            reason: format!(
                "the record is {} bytes, over the 4 MB ({MAX_RECORD_BYTES} bytes) Redshift's COPY \
                 reads as one JSON object \
                 (https://docs.aws.amazon.com/redshift/latest/dg/copy_json.html): \
                 split it, or drop the fields the staging table does not load",
                json.len()
            ),
            records: 1,
        });
    }
    let mut de = serde_json::Deserializer::from_str(json);
    RecordSeed { keys, buf: record }
        .deserialize(&mut de)
        .and_then(|()| de.end())
        .map_err(|e| record_error(json, &e))
}

/// Why a record failed. A top-level array of objects is not one bad
/// record but all of its elements. Redshift's COPY takes each top-level
/// object or array as one record, never an array's elements
/// (https://docs.aws.amazon.com/redshift/latest/dg/copy-usage_notes-copy-from-json.html),
/// so dwh does not read them either: the file is bad, each element counts
/// as a skipped record towards --max-errors, and the message says how to
/// make JSON lines of it.
fn record_error(json: &str, e: &serde_json::Error) -> Unreadable {
    let message = strip_position(&e.to_string()).to_owned();
    if !json.starts_with('[') {
        return Unreadable {
            reason: message,
            records: 1,
        };
    }
    let objects = serde_json::from_str::<Vec<&serde_json::value::RawValue>>(json)
        .ok()
        .filter(|items| !items.is_empty() && items.iter().all(|i| i.get().starts_with('{')));
    match objects {
        Some(items) => Unreadable {
            reason: format!(
                "a top-level JSON array of {} record{}, all skipped: dwh, like Redshift's COPY, \
                 reads one JSON object per record (JSON lines, or objects back to back); \
                 make JSON lines of it with `jq -c '.[]' FILE > FILE.jsonl`",
                items.len(),
                if items.len() == 1 { "" } else { "s" }
            ),
            records: items.len() as u64,
        },
        None => Unreadable {
            reason: format!(
                "{message}; found an array: write one JSON object per record (JSON lines, or objects back to back)"
            ),
            records: 1,
        },
    }
}

/// A reader that checksums what passes through it, so a new file's ledger
/// checksum costs no second read.
struct Hashing {
    inner: Box<dyn Read + Send>,
    checksum: Arc<Mutex<Checksum>>,
}

impl Read for Hashing {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Ok(mut checksum) = self.checksum.lock() {
            checksum.write_all(&buf[..n])?;
        }
        Ok(n)
    }
}
