//! Where staging data comes from. The loader reads byte streams through the
//! [`Source`] trait; dwh-core provides local directories, and the CLI adds S3
//! without dwh-core depending on an AWS SDK.

use std::fmt;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use crate::project::{FilePattern, Format};

mod file;
mod listing;

pub use file::SourceFile;
pub use listing::{not_a_source, Refused};

/// A set of files of one [`Format`], listed in a stable order. The loader calls
/// `files` and `open` on a blocking thread, so both may block (e.g. a
/// remote source may use `Handle::block_on`), and reads the returned
/// readers there too.
pub trait Source: Send + Sync + fmt::Debug {
    /// Where the files come from, for messages.
    fn location(&self) -> String;
    /// Every file of the source, in the order they are loaded.
    fn files(&self) -> io::Result<Vec<SourceFile>>;
    /// A reader of `file`'s bytes (one of those `files` returned),
    /// decompressed when the file is gzipped.
    fn open(&self, file: &SourceFile) -> io::Result<Box<dyn Read + Send>>;
    /// How the files are written; JSON unless the source says otherwise.
    fn format(&self) -> &Format {
        &crate::project::JSON
    }
    /// The file on the local disk, when the source's files are local:
    /// a reader that needs to seek (Parquet's footer) reads it in place
    /// instead of a copy.
    fn local_path(&self, _file: &SourceFile) -> Option<PathBuf> {
        None
    }
    /// `file`'s content checksum as the load ledger records it: its ETag
    /// when the source has one, else the XXH3 of the bytes `open` reads.
    fn checksum(&self, file: &SourceFile) -> io::Result<String> {
        if let Some(etag) = &file.etag {
            return Ok(etag.clone());
        }
        let mut hasher = Checksum::default();
        io::copy(&mut self.open(file)?, &mut hasher)?;
        Ok(hasher.finish())
    }
}

/// The XXH3 checksum of bytes written to it, as `xxh3:` and 16 hex
/// digits; or a checksum known beforehand, which writes leave as it is.
#[derive(Default, Clone)]
pub struct Checksum {
    hasher: xxhash_rust::xxh3::Xxh3Default,
    known: Option<String>,
}

impl Checksum {
    /// A checksum already computed (by [`Source::checksum`]).
    pub fn known(checksum: String) -> Checksum {
        Checksum {
            known: Some(checksum),
            ..Checksum::default()
        }
    }

    /// The checksum of the bytes so far.
    pub fn finish(&self) -> String {
        match &self.known {
            Some(known) => known.clone(),
            None => format!("xxh3:{:016x}", self.hasher.digest()),
        }
    }
}

impl io::Write for Checksum {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.known.is_none() {
            self.hasher.update(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Every file below a directory whose name matches a pattern (`*.json`
/// by default; gzipped, the pattern and `.gz`), recursively, sorted by
/// path, links followed. Any other
/// file there refuses the listing, by name ([`listing`]): a file in a
/// source's folder is loaded or refused, never left out unsaid.
#[derive(Debug, Clone)]
pub struct LocalDir {
    root: PathBuf,
    pattern: FilePattern,
    format: Format,
}

impl LocalDir {
    /// A source of the `*.json` files below `root`.
    pub fn new(root: impl Into<PathBuf>) -> LocalDir {
        let pattern = FilePattern::new("*.json").expect("a valid pattern");
        LocalDir::matching(root, pattern)
    }

    /// A source of the files below `root` whose names match `pattern`,
    /// in the format its extension names ([`Format::of_pattern`]).
    pub fn matching(root: impl Into<PathBuf>, pattern: FilePattern) -> LocalDir {
        let format = Format::of_pattern(pattern.as_str());
        LocalDir {
            root: root.into(),
            pattern,
            format,
        }
    }

    /// The same files, read as `format`.
    pub fn format(mut self, format: Format) -> LocalDir {
        self.format = format;
        self
    }

    /// The directory searched.
    pub fn root(&self) -> &Path {
        &self.root
    }
}

impl Source for LocalDir {
    fn location(&self) -> String {
        self.root.display().to_string()
    }

    fn files(&self) -> io::Result<Vec<SourceFile>> {
        listing::list(&self.root, &self.pattern, &self.format)
    }

    fn format(&self) -> &Format {
        &self.format
    }

    fn local_path(&self, file: &SourceFile) -> Option<PathBuf> {
        Some(PathBuf::from(&file.name))
    }

    fn open(&self, file: &SourceFile) -> io::Result<Box<dyn Read + Send>> {
        let input = std::fs::File::open(&file.name)?;
        Ok(if crate::project::is_gzipped(&file.name) {
            // Multi-member, like `cat a.gz b.gz` and the S3 source.
            Box::new(flate2::read::MultiGzDecoder::new(io::BufReader::new(input)))
        } else {
            Box::new(input)
        })
    }
}
