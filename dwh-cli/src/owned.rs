//! Folders dwh writes whole (`dwh gen --out`, `dwh docs --out`): only a
//! new, empty or dwh-written folder, and on a later run dwh removes only
//! the files it wrote there itself, listed in a marker file, never a file
//! the user added. Any other folder is refused by name.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::time::SystemTime;

use anyhow::{bail, Context};

/// The marker's first line; the files dwh wrote follow, one a line.
const HEADER: &str =
    "# written by dwh; it removes only the files listed below before writing again";
/// Second line while dwh is writing: a run that stopped half way left
/// files it never listed.
const WRITING: &str = "state: writing";
const COMPLETE: &str = "state: complete";

/// An output folder, what writes into it, and its marker file's name.
pub struct OutputDir<'a> {
    pub dir: &'a Path,
    /// The command, for messages (`dwh gen`).
    pub command: &'a str,
    pub marker: &'a str,
    /// What else the user may do with a folder dwh did not write.
    pub otherwise: &'a str,
}

/// A folder claimed by [`OutputDir::claim`]: [`Claimed::done`] lists what
/// was written since.
pub struct Claimed {
    dir: PathBuf,
    marker: PathBuf,
    before: Snapshot,
}

/// Every file under a folder, with what shows that it was (re)written.
type Snapshot = BTreeMap<PathBuf, (u64, Option<SystemTime>)>;

impl OutputDir<'_> {
    /// Refuses a folder dwh may not write: not empty and not marked, or
    /// marked by a run that stopped half way. Changes nothing.
    /// `Ok(Some(files))`: dwh's earlier files; `Ok(None)`: new or empty.
    pub fn check(&self) -> anyhow::Result<Option<Vec<PathBuf>>> {
        let marker = self.dir.join(self.marker);
        match std::fs::read_to_string(&marker) {
            Ok(text) => return self.listed(&text).map(Some),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("reading {}", marker.display())),
        }
        let entries = match std::fs::read_dir(self.dir) {
            Ok(entries) => entries
                .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
                .collect::<Result<Vec<_>, _>>()
                .with_context(|| format!("listing {}", self.dir.display()))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(e).with_context(|| format!("reading {}", self.dir.display())),
        };
        if entries.is_empty() {
            return Ok(None);
        }
        let mut names = entries;
        names.sort();
        bail!(
            "--out {} is not empty ({} entries: {}) and {} did not write it; \
             choose a new or empty folder{}",
            self.dir.display(),
            names.len(),
            names.iter().take(3).cloned().collect::<Vec<_>>().join(", "),
            self.command,
            self.otherwise
        )
    }

    /// The files an earlier run listed in the marker `text`.
    fn listed(&self, text: &str) -> anyhow::Result<Vec<PathBuf>> {
        let mut lines = text.lines();
        let (header, state) = (lines.next(), lines.next());
        if header != Some(HEADER) || state != Some(COMPLETE) {
            let why = match state {
                Some(WRITING) => "did not finish there, and may have left files it never listed",
                _ => "left no list of the files it wrote there (an older dwh)",
            };
            bail!(
                "--out {}: an earlier {} {why}; remove the folder or what it wrote \
                 (then {}), or choose a new folder",
                self.dir.display(),
                self.command,
                self.marker
            );
        }
        lines.map(|line| own_file(self.dir, line)).collect()
    }

    /// Makes the folder ready: [`check`](Self::check), then the files an
    /// earlier run wrote are removed (and the folders that held only
    /// them), and the marker says a run is writing.
    pub fn claim(&self) -> anyhow::Result<Claimed> {
        let earlier = self.check()?;
        std::fs::create_dir_all(self.dir)
            .with_context(|| format!("creating {}", self.dir.display()))?;
        let marker = self.dir.join(self.marker);
        write_marker(&marker, WRITING, &[])?;
        for file in earlier.unwrap_or_default() {
            remove_written(self.dir, &file)?;
        }
        Ok(Claimed {
            dir: self.dir.to_owned(),
            before: snapshot(self.dir)?,
            marker,
        })
    }
}

impl Claimed {
    /// Lists in the marker every file created or rewritten since the claim.
    pub fn done(self) -> anyhow::Result<()> {
        let after = snapshot(&self.dir)?;
        let marker = self.marker.strip_prefix(&self.dir).unwrap_or(&self.marker);
        let written: Vec<&Path> = after
            .iter()
            .filter(|(path, stamp)| self.before.get(*path) != Some(*stamp) && *path != marker)
            .map(|(path, _)| path.as_path())
            .collect();
        write_marker(&self.marker, COMPLETE, &written)
    }
}

/// A marker line as a path inside `dir`: relative and without `..`, so
/// that a hand-edited marker can never make dwh delete outside it.
fn own_file(dir: &Path, line: &str) -> anyhow::Result<PathBuf> {
    let path = Path::new(line);
    if line.is_empty() || !path.components().all(|c| matches!(c, Component::Normal(_))) {
        bail!(
            "--out {}: its marker lists {line:?}, not a file inside it; remove the marker \
             and the files dwh wrote, or choose a new folder",
            dir.display()
        );
    }
    Ok(path.to_owned())
}

fn write_marker(marker: &Path, state: &str, files: &[&Path]) -> anyhow::Result<()> {
    let mut text = format!("{HEADER}\n{state}\n");
    for file in files {
        // Paths dwh wrote: its own names, with `/` on every platform.
        let parts: Vec<_> = file.iter().map(|p| p.to_string_lossy()).collect();
        text.push_str(&parts.join("/"));
        text.push('\n');
    }
    std::fs::write(marker, text).with_context(|| format!("writing {}", marker.display()))
}

/// Removes `file` under `dir`, then each folder above it that it leaves
/// empty (never `dir`); a file already gone is no error.
fn remove_written(dir: &Path, file: &Path) -> anyhow::Result<()> {
    let path = dir.join(file);
    match std::fs::remove_file(&path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(e).with_context(|| format!("removing the earlier {}", path.display()))
        }
        _ => {}
    }
    for parent in file.ancestors().skip(1) {
        if parent.as_os_str().is_empty() || std::fs::remove_dir(dir.join(parent)).is_err() {
            break; // not empty (a file of the user's), or gone already
        }
    }
    Ok(())
}

/// Every file under `dir` (links not followed), relative to it.
fn snapshot(dir: &Path) -> anyhow::Result<Snapshot> {
    let mut files = Snapshot::new();
    let mut pending = vec![PathBuf::new()];
    while let Some(relative) = pending.pop() {
        let entries = std::fs::read_dir(dir.join(&relative))
            .with_context(|| format!("listing {}", dir.join(&relative).display()))?;
        for entry in entries {
            let entry = entry.with_context(|| format!("listing {}", dir.display()))?;
            let path = relative.join(entry.file_name());
            let meta = entry.metadata()?;
            if meta.is_dir() {
                pending.push(path);
            } else {
                files.insert(path, (meta.len(), meta.modified().ok()));
            }
        }
    }
    Ok(files)
}
