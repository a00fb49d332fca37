//! File-name patterns of staging sources: `*.json`, `part-*.json.gz`.

use std::fmt;

use globset::{GlobBuilder, GlobMatcher};

/// A glob over file names (`*.json`, `part-*.json.gz`, `*.{json,jsonl}`),
/// matched against names, not paths: sources are searched recursively.
/// Case is ignored: `*.json` matches `DAY.JSON`, which is JSON all the same.
#[derive(Debug, Clone)]
pub struct FilePattern {
    text: String,
    matcher: GlobMatcher,
}

/// A pattern that cannot be a file-name pattern.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("file pattern `{pattern}` is not a file-name glob such as `*.json` ({reason})")]
pub struct PatternError {
    /// The pattern given.
    pub pattern: String,
    /// What is wrong with it.
    pub reason: String,
}

impl FilePattern {
    /// Parses `pattern`.
    pub fn new(pattern: &str) -> Result<FilePattern, PatternError> {
        let error = |reason: String| PatternError {
            pattern: pattern.to_owned(),
            reason,
        };
        if pattern.contains(['/', '\\']) {
            return Err(error("it names files, so it has no `/`".into()));
        }
        let glob = GlobBuilder::new(pattern)
            .literal_separator(true)
            .case_insensitive(true)
            .build()
            .map_err(|e| error(e.kind().to_string()))?;
        Ok(FilePattern {
            text: pattern.to_owned(),
            matcher: glob.compile_matcher(),
        })
    }

    /// Whether `name` (a file name, not a path) matches.
    pub fn matches(&self, name: &str) -> bool {
        self.matcher.is_match(name)
    }

    /// Whether a source of this pattern reads the file named `name`: it
    /// matches, or does once its `.gz` (any case) is taken off (a gzipped
    /// source file, read decompressed).
    pub fn admits(&self, name: &str) -> bool {
        self.matches(name) || (is_gzipped(name) && self.matches(&name[..name.len() - 3]))
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

/// Whether the file named `name` is gzipped, by its name (`.gz`, any case).
pub fn is_gzipped(name: &str) -> bool {
    name.len() > 3 && name.is_char_boundary(name.len() - 3) && {
        name[name.len() - 3..].eq_ignore_ascii_case(".gz")
    }
}

impl PartialEq for FilePattern {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Eq for FilePattern {}

impl fmt::Display for FilePattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}
