//! Listing a local source folder: every file below it is a source file
//! or refused by name, never left out unsaid.
//!
//! Links are followed, so a linked file is known by its target's size and
//! time (the ledger's quick check sees the target change) and a linked
//! folder is searched like any other. A link back to a folder it is in
//! would be listed forever, and a file reached twice (two links to one
//! file or folder) would load its rows twice: both are refused.
//!
//! A file is also refused when dwh could not record or upload it: a name
//! that is not UTF-8 (the ledger and S3 keys are UTF-8 text), or a path
//! below the folder longer than the ledger's `source_file` column
//! ([`KEY_BYTES`], which is also the longest S3 key:
//! <https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html>).

use std::collections::HashMap;
use std::fmt;
use std::fs::{self, DirEntry, Metadata};
use std::io;
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDateTime, Timelike, Utc};

use super::file::SourceFile;
use crate::project::{is_gzipped, FilePattern, Format};
use crate::sql::ledger::KEY_BYTES;

/// A file time as the ledger keeps it: UTC, to the microsecond (the
/// precision of both engines' TIMESTAMP).
fn micros(time: std::time::SystemTime) -> NaiveDateTime {
    let utc = DateTime::<Utc>::from(time).naive_utc();
    utc.with_nanosecond(utc.nanosecond() / 1000 * 1000)
        .unwrap_or(utc)
}

/// Refused files named in a message; the rest are counted.
const SHOWN: usize = 10;

/// The files below `root` whose names match `pattern`, sorted by path; an
/// error naming every file that would be left out or cannot be loaded
/// (among them a gzipped file of a `format` that is never gzipped).
pub(super) fn list(
    root: &Path,
    pattern: &FilePattern,
    format: &Format,
) -> io::Result<Vec<SourceFile>> {
    let real = fs::canonicalize(root)
        .map_err(|e| io::Error::new(e.kind(), format!("cannot read {}: {e}", root.display())))?;
    let mut walk = Walk {
        root,
        pattern,
        format,
        ancestors: Vec::new(),
        files: Vec::new(),
        refused: Vec::new(),
        seen: HashMap::new(),
    };
    walk.dir(root, real)?;
    if walk.refused.is_empty() {
        return Ok(walk.files);
    }
    let refused = Refused {
        pattern: pattern.to_string(),
        files: walk.refused,
    };
    Err(io::Error::new(io::ErrorKind::InvalidData, refused))
}

/// Files of a source folder (or S3 prefix) that would be left out or cannot be loaded,
/// each with why and what to do.
#[derive(Debug)]
pub struct Refused {
    /// The folder's file-name pattern.
    pub pattern: String,
    /// `(file, why)`, in listing order.
    pub files: Vec<(String, String)>,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.files.len();
        write!(
            f,
            "{n} file{} would be left out or cannot be loaded, and nothing was loaded:",
            if n == 1 { "" } else { "s" }
        )?;
        for (file, why) in self.files.iter().take(SHOWN) {
            write!(f, "\n  {file}: {why}")?;
        }
        if n > SHOWN {
            write!(f, "\n  … and {} more", n - SHOWN)?;
        }
        write!(
            f,
            "\n  every file in a source's folder is loaded (its name matches `{}`) or refused, \
             never skipped: move the others out of the folder",
            self.pattern
        )
    }
}

impl std::error::Error for Refused {}

struct Walk<'a> {
    root: &'a Path,
    pattern: &'a FilePattern,
    format: &'a Format,
    /// The real paths of the folders being listed, outermost first.
    ancestors: Vec<PathBuf>,
    files: Vec<SourceFile>,
    refused: Vec<(String, String)>,
    /// Each file listed by its identity on disk, with its key.
    seen: HashMap<FileId, String>,
}

impl Walk<'_> {
    /// Lists `dir`, whose real path (links resolved) is `real`.
    fn dir(&mut self, dir: &Path, real: PathBuf) -> io::Result<()> {
        let mut entries: Vec<DirEntry> = fs::read_dir(dir)
            .map_err(|e| io::Error::new(e.kind(), format!("cannot read {}: {e}", dir.display())))?
            .collect::<Result<_, _>>()?;
        entries.sort_by_key(|e| e.file_name());
        self.ancestors.push(real);
        for entry in entries {
            self.entry(&entry)?;
        }
        self.ancestors.pop();
        Ok(())
    }

    fn entry(&mut self, entry: &DirEntry) -> io::Result<()> {
        let path = entry.path();
        let parent = self.ancestors.last().expect("inside a folder");
        let (metadata, real) = if entry.file_type()?.is_symlink() {
            // The target's metadata: its size and time, not the link's.
            match fs::metadata(&path).and_then(|m| Ok((m, fs::canonicalize(&path)?))) {
                Ok(found) => found,
                Err(e) => {
                    let why = format!(
                        "a link to {}, which cannot be read ({e}): fix or remove the link",
                        target(&path)
                    );
                    self.refuse(&path, why);
                    return Ok(());
                }
            }
        } else {
            (entry.metadata()?, parent.join(entry.file_name()))
        };
        if !metadata.is_dir() {
            self.file(&path, &metadata);
            return Ok(());
        }
        if self.ancestors.contains(&real) {
            let why = format!(
                "a link to {}, a folder it is in: listing it would never end; remove the link",
                real.display()
            );
            self.refuse(&path, why);
            return Ok(());
        }
        self.dir(&path, real)
    }

    fn file(&mut self, path: &Path, metadata: &Metadata) {
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        if !self.pattern.admits(&name) {
            let why = not_a_source(&name, self.pattern);
            return self.refuse(path, why);
        }
        if is_gzipped(&name) && !self.format.allows_gzip() {
            let why = format!(
                "gzipped, and {} files are compressed inside (their pages): dwh reads them \
                 as written, never gzipped; decompress it",
                self.format
            );
            return self.refuse(path, why);
        }
        if path.to_str().is_none() {
            let why = "its path is not UTF-8 (shown with \u{FFFD} for the bytes that are not): \
                       the load ledger and S3 keys are UTF-8 text, so dwh can neither record \
                       nor upload it; rename it";
            return self.refuse(path, why.into());
        }
        let key = key(self.root, path);
        if key.len() > KEY_BYTES {
            let why = format!(
                "its path below {} is {} bytes, over the {KEY_BYTES} the load ledger records \
                 (and the longest S3 key): shorten its folder or file names",
                self.root.display(),
                key.len()
            );
            return self.refuse(path, why);
        }
        if let Some(id) = FileId::of(metadata) {
            if let Some(first) = self.seen.insert(id, key.clone()) {
                let why = format!(
                    "the same file as {first} (through a link): its rows would load twice; \
                     remove one of the links"
                );
                return self.refuse(path, why);
            }
        }
        self.files.push(SourceFile {
            name: path.display().to_string(),
            size: metadata.len(),
            key,
            modified: metadata.modified().ok().map(micros),
            etag: None,
        });
    }

    fn refuse(&mut self, path: &Path, why: String) {
        self.refused.push((path.display().to_string(), why));
    }
}

/// Why a file whose name does not match the pattern is not loaded.
pub fn not_a_source(name: &str, pattern: &FilePattern) -> String {
    let lower = name.to_ascii_lowercase();
    let compressed = [".bz2", ".zst", ".xz", ".zip", ".lz4", ".snappy", ".7z"]
        .into_iter()
        .find(|ext| lower.ends_with(ext));
    match compressed {
        Some(ext) => format!(
            "compressed ({ext}); dwh reads JSON files plain or gzipped (.gz): decompress \
             it, and move the compressed copy out of the folder"
        ),
        None => format!(
            "its name matches neither the source's pattern `{pattern}` nor that pattern \
             and .gz"
        ),
    }
}

/// `path`'s key: its path below `root`, `/`-separated.
fn key(root: &Path, path: &Path) -> String {
    let below = path.strip_prefix(root).unwrap_or(path);
    below
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Where the link at `path` points, as written in it.
fn target(path: &Path) -> String {
    fs::read_link(path)
        .map(|t| t.display().to_string())
        .unwrap_or_else(|_| "an unreadable target".into())
}

/// A file's identity on disk: the same for every link to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct FileId(u64, u64);

impl FileId {
    #[cfg(unix)]
    fn of(metadata: &Metadata) -> Option<FileId> {
        use std::os::unix::fs::MetadataExt;
        Some(FileId(metadata.dev(), metadata.ino()))
    }

    #[cfg(not(unix))]
    fn of(_: &Metadata) -> Option<FileId> {
        None
    }
}
