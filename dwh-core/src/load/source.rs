//! Where staging data comes from. The loader reads byte streams through the
//! [`Source`] trait; dwh-core provides local directories, and the CLI adds S3
//! without dwh-core depending on an AWS SDK.

use std::fmt;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use crate::project::FilePattern;

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

/// Every file below a directory whose name matches a pattern (`*.json`
/// by default), recursively, sorted by path.
#[derive(Debug, Clone)]
pub struct LocalDir {
    root: PathBuf,
    pattern: FilePattern,
}

impl LocalDir {
    /// A source of the `*.json` files below `root`.
    pub fn new(root: impl Into<PathBuf>) -> LocalDir {
        let pattern = FilePattern::new("*.json").expect("a valid pattern");
        LocalDir::matching(root, pattern)
    }

    /// A source of the files below `root` whose names match `pattern`.
    pub fn matching(root: impl Into<PathBuf>, pattern: FilePattern) -> LocalDir {
        LocalDir {
            root: root.into(),
            pattern,
        }
    }

    /// The directory searched.
    pub fn root(&self) -> &Path {
        &self.root
    }
}

fn walk(dir: &Path, pattern: &FilePattern, out: &mut Vec<SourceFile>) -> io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| io::Error::new(e.kind(), format!("cannot read {}: {e}", dir.display())))?
        .collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let kind = entry.file_type()?;
        if kind.is_dir() {
            walk(&path, pattern, out)?;
        } else if pattern.matches(&entry.file_name().to_string_lossy()) {
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
        walk(&self.root, &self.pattern, &mut files)?;
        Ok(files)
    }

    fn open(&self, file: &SourceFile) -> io::Result<Box<dyn Read + Send>> {
        Ok(Box::new(std::fs::File::open(&file.name)?))
    }
}
