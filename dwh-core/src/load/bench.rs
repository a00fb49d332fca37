//! Entry points for the criterion benchmarks in `dwh-core/benches/`: the
//! loader's stages run on bytes in memory. Not a stable API.

use std::io::{self, Cursor, Read};
use std::sync::atomic::Ordering;
use std::sync::Arc;

use bytes::Bytes;
use serde::de::DeserializeSeed;

use super::reader::{Parsed, ReadError, RecordReader};
use super::record::{KeyMap, RecordBuf, RecordSeed};
use super::source::{Source, SourceFile};
use super::staging::{Cancelled, ChunkSink, Producer};
use super::{LoadError, LoadOptions, LoadProgress};
use crate::schema::Table;

/// Records in `input`, split as the loader splits them but not parsed
/// (brace matching and the UTF-8 check); bad ones count too.
pub fn split(input: &[u8]) -> u64 {
    let mut reader = RecordReader::new(input);
    let mut records = 0;
    loop {
        match reader.next_record_with(|_| Ok::<(), ()>(())) {
            Ok(Some(_)) | Err(ReadError::Syntax(_)) => records += 1,
            Ok(None) | Err(ReadError::Io(_)) => return records,
        }
    }
}

/// Records of `input` split and read into cells for `table`'s columns
/// (no encoding); those that read without error.
pub fn split_and_parse(table: &'static Table, input: &[u8]) -> u64 {
    let keys = key_map(table);
    let mut record = RecordBuf::default();
    let mut reader = RecordReader::new(input);
    let mut records = 0;
    loop {
        let read = reader.next_record_with(|json| {
            let mut de = serde_json::Deserializer::from_str(json);
            RecordSeed {
                keys: &keys,
                buf: &mut record,
            }
            .deserialize(&mut de)
        });
        match read {
            Ok(Some(Parsed { result, .. })) => records += u64::from(result.is_ok()),
            Err(ReadError::Syntax(_)) => {}
            Ok(None) | Err(ReadError::Io(_)) => return records,
        }
    }
}

fn key_map(table: &Table) -> KeyMap {
    KeyMap::new(
        table
            .columns
            .iter()
            .map(|c| c.json.map_or(c.name, |j| j.key))
            .collect(),
    )
}

/// The whole producer of a staging load (split, parse, encode to binary
/// COPY buffers) over in-memory files, the buffers dropped; records
/// encoded and COPY bytes produced.
pub fn encode(table: &'static Table, files: &[Arc<[u8]>]) -> Result<(u64, u64), LoadError> {
    let source = MemorySource(files.to_vec());
    let listed = source.files().expect("in memory");
    let progress = Arc::new(LoadProgress::default());
    let mut bytes = 0;
    Producer::new(
        table,
        &LoadOptions::default(),
        CountingSink(&mut bytes),
        Arc::clone(&progress),
    )
    .run(&source, &listed)?;
    Ok((progress.records.load(Ordering::Relaxed), bytes))
}

struct CountingSink<'a>(&'a mut u64);

impl ChunkSink for CountingSink<'_> {
    fn send(&mut self, chunk: Bytes) -> Result<(), Cancelled> {
        *self.0 += chunk.len() as u64;
        Ok(())
    }
}

#[derive(Debug)]
struct MemorySource(Vec<Arc<[u8]>>);

impl Source for MemorySource {
    fn location(&self) -> String {
        "memory".to_owned()
    }

    fn files(&self) -> io::Result<Vec<SourceFile>> {
        Ok(self
            .0
            .iter()
            .enumerate()
            .map(|(i, f)| SourceFile::new(i.to_string(), i.to_string(), f.len() as u64))
            .collect())
    }

    fn open(&self, file: &SourceFile) -> io::Result<Box<dyn Read + Send>> {
        let i: usize = file.name.parse().map_err(io::Error::other)?;
        Ok(Box::new(Cursor::new(Arc::clone(&self.0[i]))))
    }
}
