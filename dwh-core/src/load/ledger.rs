//! Which files a run loads: by default those the load ledger
//! ([`crate::sql::ledger`]) does not hold.
//!
//! A file the ledger holds is unchanged when its size and modification
//! time are the ones recorded (the quick check: nothing is read), or, when
//! either differs, when its checksum is (a copy or a `touch` changes the
//! time, not the bytes). Otherwise it changed since it was loaded: the run
//! stops and names it, unless the caller chose to rebuild from every file.

use std::collections::{HashMap, HashSet};
use std::io;

use chrono::NaiveDateTime;

use super::source::{Source, SourceFile};
use crate::schema::Table;

/// A file as the ledger recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownFile {
    /// Its size in bytes.
    pub size: u64,
    /// Its modification time, if the source told.
    pub modified: Option<NaiveDateTime>,
    /// Its checksum.
    pub checksum: String,
    /// Rows it loaded into staging.
    pub rows: u64,
}

/// The ledger's files, by staging table and key.
#[derive(Debug, Clone, Default)]
pub struct Ledger(HashMap<(String, String), KnownFile>);

impl Ledger {
    /// A ledger of `(staging table, key, file)` rows.
    pub fn new(rows: impl IntoIterator<Item = (String, String, KnownFile)>) -> Ledger {
        Ledger(
            rows.into_iter()
                .map(|(table, key, file)| ((table, key), file))
                .collect(),
        )
    }

    /// Files recorded for `table`.
    pub fn files_of(&self, table: &str) -> usize {
        self.0.keys().filter(|(t, _)| t == table).count()
    }

    /// Whether the ledger holds file `key` of `table`.
    pub fn holds(&self, table: &str, key: &str) -> bool {
        self.get(table, key).is_some()
    }

    /// Files the ledger holds, of every table.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the ledger holds no file at all.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn get(&self, table: &str, key: &str) -> Option<&KnownFile> {
        self.0.get(&(table.to_owned(), key.to_owned()))
    }

    /// The files of `table` the ledger holds that `listed` lacks, by key.
    fn gone(&self, table: &str, listed: &[SourceFile]) -> Vec<GoneFile> {
        let present: HashSet<&str> = listed.iter().map(|f| f.key.as_str()).collect();
        let mut gone: Vec<GoneFile> = self
            .0
            .iter()
            .filter(|((t, key), _)| t == table && !present.contains(key.as_str()))
            .map(|((_, key), file)| GoneFile {
                key: key.clone(),
                rows: file.rows,
            })
            .collect();
        gone.sort_by(|a, b| a.key.cmp(&b.key));
        gone
    }
}

/// A file the ledger holds that the source no longer lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoneFile {
    /// Its key.
    pub key: String,
    /// Rows it brought into staging.
    pub rows: u64,
}

/// A file whose content differs from the one loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangedFile {
    /// The file as it is now.
    pub file: SourceFile,
    /// As the ledger recorded it.
    pub was: KnownFile,
}

/// One staging table's files, sorted out against the ledger.
#[derive(Debug, Clone)]
pub struct Batch {
    /// The staging table.
    pub table: &'static Table,
    /// Files the ledger does not hold: this run loads them.
    pub new: Vec<SourceFile>,
    /// Files loaded before and unchanged.
    pub unchanged: usize,
    /// Files loaded before whose content changed since.
    pub changed: Vec<ChangedFile>,
    /// Files loaded before that the source no longer lists: their rows
    /// are in the warehouse, and a rebuild from the files listed drops them.
    pub gone: Vec<GoneFile>,
    /// Files the ledger holds for the table.
    pub held: usize,
}

/// Sorts `files` of `source` (loaded into `table`) into new, unchanged and
/// changed, reading only files whose size or time moved.
pub fn sort_files(
    table: &'static Table,
    source: &dyn Source,
    files: Vec<SourceFile>,
    ledger: &Ledger,
) -> io::Result<Batch> {
    let mut batch = Batch {
        table,
        new: Vec::new(),
        unchanged: 0,
        changed: Vec::new(),
        gone: ledger.gone(table.name, &files),
        held: ledger.files_of(table.name),
    };
    for file in files {
        let Some(known) = ledger.get(table.name, &file.key) else {
            batch.new.push(file);
            continue;
        };
        let same_stamp =
            known.size == file.size && known.modified.is_some() && known.modified == file.modified;
        if same_stamp || source.checksum(&file)? == known.checksum {
            batch.unchanged += 1;
        } else {
            batch.changed.push(ChangedFile {
                file,
                was: known.clone(),
            });
        }
    }
    Ok(batch)
}

/// Every one of `files` as new (a rebuild from every file), with the
/// ledger's files of `table` that they lack: nothing is read.
pub fn all_new(table: &'static Table, files: Vec<SourceFile>, ledger: &Ledger) -> Batch {
    Batch {
        table,
        gone: ledger.gone(table.name, &files),
        held: ledger.files_of(table.name),
        new: files,
        unchanged: 0,
        changed: Vec::new(),
    }
}

/// `staging_songs: 2 new files, 71 loaded before`: a [`Batch`]'s line, as
/// local and Redshift runs say it (`new` files, `before` loaded before).
pub fn batch_line(table: &str, new: usize, before: usize) -> String {
    use crate::report::thousands;
    let new = match new {
        0 => "no new files".to_owned(),
        1 => "1 new file".to_owned(),
        n => format!("{} new files", thousands(n as u64)),
    };
    match before {
        0 => format!("  {table}: {new}"),
        n => format!("  {table}: {new}, {} loaded before", thousands(n as u64)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::LocalDir;
    use crate::schema::TableKind;

    const STAGING: Table = Table::new("staging_events", TableKind::Staging);

    fn known(source: &LocalDir, file: &SourceFile) -> (String, String, KnownFile) {
        let checksum = source.checksum(file).unwrap();
        let file = KnownFile {
            size: file.size,
            modified: file.modified,
            checksum,
            rows: 1,
        };
        ("staging_events".into(), "a.json".into(), file)
    }

    #[test]
    fn new_unchanged_touched_and_changed_files() {
        let dir = std::env::temp_dir().join(format!("dwh-ledger-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::fs::write(dir.join("a.json"), "{\"x\": 1}\n").unwrap();
        std::fs::write(dir.join("sub/b.json"), "{\"x\": 2}\n").unwrap();
        let source = LocalDir::new(&dir);
        let files = source.files().unwrap();
        let keys: Vec<&str> = files.iter().map(|f| f.key.as_str()).collect();
        assert_eq!(keys, ["a.json", "sub/b.json"]);
        let ledger = Ledger::new([known(&source, &files[0])]);

        let batch = sort_files(&STAGING, &source, files.clone(), &ledger).unwrap();
        assert_eq!((batch.new.len(), batch.unchanged), (1, 1));
        assert_eq!(batch.new[0].key, "sub/b.json");

        // Another time, same bytes: unchanged by checksum.
        let mut touched = files.clone();
        touched[0].modified = None;
        let batch = sort_files(&STAGING, &source, touched, &ledger).unwrap();
        assert_eq!((batch.unchanged, batch.changed.len()), (1, 0));

        // Same size, other bytes, other time: changed.
        std::fs::write(dir.join("a.json"), "{\"x\": 9}\n").unwrap();
        let mut edited = source.files().unwrap();
        edited[0].modified = None;
        let batch = sort_files(&STAGING, &source, edited, &ledger).unwrap();
        assert_eq!(batch.changed.len(), 1);
        assert_eq!(batch.changed[0].file.key, "a.json");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
