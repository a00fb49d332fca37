//! Where staging data comes from. The loader reads byte streams through the
//! [`Source`] trait; dwh-core provides local directories, and the CLI adds S3
//! without dwh-core depending on an AWS SDK.

use std::fmt;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// One input file of a source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// How the file is named in messages and reports (a path or URI).
    pub name: String,
    /// Its size in bytes, for progress.
    pub size: u64,
}

/// A set of JSON files, listed in a stable order. The loader calls
/// `files` and `open` on a blocking thread, so both may block (e.g. a
/// remote source may use `Handle::block_on`), and reads the returned
/// readers there too.
pub trait Source: Send + Sync + fmt::Debug {
    /// Where the files come from, for messages.
    fn location(&self) -> String;
    /// Every file of the source, in the order they are loaded.
    fn files(&self) -> io::Result<Vec<SourceFile>>;
    /// A reader of `file`'s bytes (one of those `files` returned).
    fn open(&self, file: &SourceFile) -> io::Result<Box<dyn Read + Send>>;
}

/// Every `*.json` file below a directory, recursively, sorted by path.
#[derive(Debug, Clone)]
pub struct LocalDir {
    root: PathBuf,
}

impl LocalDir {
    /// A source of the JSON files below `root`.
    pub fn new(root: impl Into<PathBuf>) -> LocalDir {
        LocalDir { root: root.into() }
    }

    /// The directory searched.
    pub fn root(&self) -> &Path {
        &self.root
    }
}

fn walk(dir: &Path, out: &mut Vec<SourceFile>) -> io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| io::Error::new(e.kind(), format!("cannot read {}: {e}", dir.display())))?
        .collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let kind = entry.file_type()?;
        if kind.is_dir() {
            walk(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "json") {
            let size = entry.metadata()?.len();
            out.push(SourceFile {
                name: path.display().to_string(),
                size,
            });
        }
    }
    Ok(())
}

impl Source for LocalDir {
    fn location(&self) -> String {
        self.root.display().to_string()
    }

    fn files(&self) -> io::Result<Vec<SourceFile>> {
        let mut files = Vec::new();
        walk(&self.root, &mut files)?;
        Ok(files)
    }

    fn open(&self, file: &SourceFile) -> io::Result<Box<dyn Read + Send>> {
        Ok(Box::new(std::fs::File::open(&file.name)?))
    }
}
