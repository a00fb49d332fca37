//! Which files a Redshift run loads, against the cluster's load ledger
//! (`dwh_loaded_files`, read before anything is uploaded): with `--data`,
//! only the new local files are uploaded and listed in the manifest; without
//! it, an uploaded manifest is copied when none of the files its sidecar
//! lists was loaded, and skipped when all were. The same rules as the local
//! path (`--full-refresh`, `--reload-changed`, changed files refused).

use dwh_core::load::ledger::{all_new, sort_files, Batch, Ledger};
use dwh_core::load::policy::BatchPolicy;
use dwh_core::load::SourceFile;
use dwh_core::schema::Table;
use dwh_core::sql::ledger::LedgerFile;
use dwh_core::warehouse::ledger::gone_files;

use super::upload::Chosen;

/// What to upload: each source's new files.
#[derive(Debug)]
pub struct Choice<'a> {
    /// Every source, its files narrowed to the new ones.
    pub sources: Vec<Chosen<'a>>,
    /// How many files each source loaded before, in the same order.
    pub before: Vec<usize>,
    /// Whether the run rebuilds from every file.
    pub full_refresh: bool,
}

/// Narrows each source of `listed` to the files `ledger` does not hold,
/// under the run's `policy` (dwh-core's, the local path's): all of them
/// on a rebuild, a changed file refused or rebuilding, gone files refused
/// on a rebuild unless allowed. `fresh`: the run drops and rebuilds every
/// table (`--fresh`). Says what it found; reads a file only when its size
/// or time moved since it was recorded.
pub fn choose_new<'a>(
    listed: Vec<Chosen<'a>>,
    ledger: &Ledger,
    policy: BatchPolicy,
    fresh: bool,
) -> anyhow::Result<Choice<'a>> {
    let choice = policy.choose(fresh, |full| -> anyhow::Result<Vec<Batch>> {
        let sort = |chosen: &Chosen| -> anyhow::Result<Batch> {
            let (table, files) = (chosen.source.table, chosen.files.clone());
            Ok(match full {
                true => all_new(table, files, ledger),
                false => sort_files(table, &chosen.local, files, ledger)?,
            })
        };
        listed.iter().map(sort).collect()
    })?;
    for line in &choice.notes {
        eprintln!("{line}");
    }
    let before = choice.batches.iter().map(|b| b.unchanged).collect();
    let sources = listed
        .into_iter()
        .zip(choice.batches)
        .map(|(chosen, batch)| Chosen {
            files: batch.new,
            ..chosen
        })
        .collect();
    Ok(Choice {
        sources,
        before,
        full_refresh: choice.full_refresh,
    })
}

/// Whether to COPY an uploaded manifest whose sidecar lists `files`
/// (staging table `table`): yes when the ledger holds none of them, no when
/// it holds all; a mix cannot be loaded from that manifest.
pub fn copy_uploaded(
    table: &str,
    files: &[LedgerFile],
    ledger: &Ledger,
    sidecar_uri: &str,
) -> anyhow::Result<bool> {
    let held = files.iter().filter(|f| ledger.holds(table, &f.key)).count();
    if held == 0 {
        return Ok(!files.is_empty());
    }
    if held == files.len() {
        return Ok(false);
    }
    anyhow::bail!(
        "{held} of the {} files uploaded for `{table}` (listed in {sidecar_uri}) were loaded \
         before and {} were not: a COPY of that manifest would load the first ones twice. \
         Pass --data DIR, which uploads only the new files, or --full-refresh to rebuild \
         from every file",
        files.len(),
        files.len() - held
    )
}

/// A rebuild from the uploaded manifests (`--full-refresh` without
/// `--data`) would drop the rows of ledger files their sidecars no longer
/// list: refused, naming them, unless `allow_missing` (the local path's
/// policy, [`gone_files`]). `uploads` holds each staging table with its
/// sidecar's URI and files.
pub fn refuse_gone_uploads(
    uploads: &[(&'static Table, &str, &[LedgerFile])],
    ledger: &Ledger,
    allow_missing: bool,
) -> anyhow::Result<()> {
    let batches: Vec<Batch> = uploads
        .iter()
        .map(|(table, uri, files)| {
            let listed = files.iter().map(|f| {
                let name = format!("{} in {uri}", f.key);
                SourceFile::new(name, f.key.clone(), f.size)
            });
            all_new(table, listed.collect(), ledger)
        })
        .collect();
    for line in gone_files(&batches, true, allow_missing)? {
        eprintln!("{line}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use dwh_core::load::ledger::KnownFile;
    use dwh_core::load::{LocalDir, Source};
    use dwh_core::project::StagingSource;
    use dwh_core::schema::{Table, TableKind};

    use super::*;

    static STAGING: Table = Table::new("staging_events", TableKind::Staging);

    fn data(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("dwh-incr-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("2018/11")).unwrap();
        for day in 1..=3 {
            let path = dir.join(format!("2018/11/2018-11-0{day}-events.json"));
            std::fs::write(path, format!("{{\"day\": {day}}}\n")).unwrap();
        }
        dir
    }

    fn listed<'a>(source: &'a StagingSource, dir: &Path) -> Vec<Chosen<'a>> {
        let local = LocalDir::new(dir);
        let files = local.files().unwrap();
        vec![Chosen {
            source,
            local,
            files,
        }]
    }

    /// A ledger holding the first `n` files of `dir` as they are now.
    fn ledger_of(dir: &Path, n: usize) -> Ledger {
        let local = LocalDir::new(dir);
        let files = local.files().unwrap();
        Ledger::new(files.iter().take(n).map(|f| {
            let known = KnownFile {
                size: f.size,
                modified: f.modified,
                checksum: local.checksum(f).unwrap(),
                rows: 1,
            };
            ("staging_events".to_owned(), f.key.clone(), known)
        }))
    }

    fn policy(full_refresh: bool, reload_changed: bool, allow_missing_files: bool) -> BatchPolicy {
        BatchPolicy {
            full_refresh,
            reload_changed,
            allow_missing_files,
            generated: false,
        }
    }

    fn source() -> StagingSource {
        StagingSource {
            table: &STAGING,
            dir: "log_data".into(),
            pattern: dwh_core::project::FilePattern::new("*.json").unwrap(),
            format: dwh_core::project::Format::Json,
        }
    }

    #[test]
    fn uploads_only_the_files_the_ledger_lacks() {
        let dir = data("new");
        let source = source();
        let ledger = ledger_of(&dir, 2);
        let choice = choose_new(
            listed(&source, &dir),
            &ledger,
            policy(false, false, false),
            false,
        )
        .unwrap();
        let keys: Vec<&str> = choice.sources[0]
            .files
            .iter()
            .map(|f| f.key.as_str())
            .collect();
        assert_eq!(keys, ["2018/11/2018-11-03-events.json"]);
        assert_eq!((choice.before[0], choice.full_refresh), (2, false));
        assert_eq!(
            dwh_core::load::ledger::batch_line("staging_events", 1, 2),
            "  staging_events: 1 new file, 2 loaded before"
        );
        assert_eq!(
            dwh_core::load::ledger::batch_line("staging_songs", 0, 71),
            "  staging_songs: no new files, 71 loaded before"
        );

        // Everything loaded: nothing to upload.
        let all = ledger_of(&dir, 3);
        let choice = choose_new(
            listed(&source, &dir),
            &all,
            policy(false, false, false),
            false,
        )
        .unwrap();
        assert!(choice.sources[0].files.is_empty());
        // --full-refresh: every file.
        let choice = choose_new(
            listed(&source, &dir),
            &all,
            policy(true, false, false),
            false,
        )
        .unwrap();
        assert_eq!(
            (choice.sources[0].files.len(), choice.full_refresh),
            (3, true)
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_changed_file_is_refused_or_rebuilds_everything() {
        let dir = data("changed");
        let source = source();
        let ledger = ledger_of(&dir, 2);
        let first = dir.join("2018/11/2018-11-01-events.json");
        std::fs::write(&first, "{\"day\": 9, \"edited\": true}\n").unwrap();
        let e = choose_new(
            listed(&source, &dir),
            &ledger,
            policy(false, false, false),
            false,
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("2018-11-01-events.json") && e.contains("--reload-changed"),
            "{e}"
        );
        let choice = choose_new(
            listed(&source, &dir),
            &ledger,
            policy(false, true, false),
            false,
        )
        .unwrap();
        assert_eq!(
            (choice.sources[0].files.len(), choice.full_refresh),
            (3, true)
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_rebuild_refuses_to_leave_out_files_gone_from_the_folder() {
        let dir = data("gone");
        let source = source();
        let ledger = ledger_of(&dir, 3);
        std::fs::remove_file(dir.join("2018/11/2018-11-02-events.json")).unwrap();
        // Incremental: the gone file's rows stay; nothing new.
        let choice = choose_new(
            listed(&source, &dir),
            &ledger,
            policy(false, false, false),
            false,
        )
        .unwrap();
        assert!(choice.sources[0].files.is_empty());
        // A rebuild would drop them: refused, named, unless allowed.
        let e = choose_new(
            listed(&source, &dir),
            &ledger,
            policy(true, false, false),
            false,
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("2018/11/2018-11-02-events.json")
                && e.contains("1 file")
                && e.contains("(1 rows)")
                && e.contains("--allow-missing-files"),
            "{e}"
        );
        let allowed = choose_new(
            listed(&source, &dir),
            &ledger,
            policy(true, false, true),
            false,
        )
        .unwrap();
        assert_eq!(allowed.sources[0].files.len(), 2);
        // --reload-changed after an edit: the same refusal.
        std::fs::write(dir.join("2018/11/2018-11-01-events.json"), "{\"day\": 7}\n").unwrap();
        let e = choose_new(
            listed(&source, &dir),
            &ledger,
            policy(false, true, false),
            false,
        )
        .unwrap_err();
        assert!(e.to_string().contains("--allow-missing-files"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    fn file(key: &str) -> LedgerFile {
        LedgerFile {
            key: key.into(),
            size: 1,
            modified: None,
            checksum: "xxh3:0".into(),
            rows: 1,
        }
    }

    #[test]
    fn an_uploaded_manifest_is_copied_only_when_all_its_files_are_new() {
        let known = KnownFile {
            size: 1,
            modified: None,
            checksum: "xxh3:0".into(),
            rows: 1,
        };
        let ledger = Ledger::new([("staging_events".to_owned(), "a.json".to_owned(), known)]);
        let uri = "s3://b/p/manifests/log_data.files.json";
        let copy = |files: &[LedgerFile]| copy_uploaded("staging_events", files, &ledger, uri);
        assert!(copy(&[file("b.json"), file("c.json")]).unwrap());
        assert!(!copy(&[file("a.json")]).unwrap());
        assert!(!copy(&[]).unwrap(), "an empty upload brings nothing");
        let e = copy(&[file("a.json"), file("b.json")])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("1 of the 2 files") && e.contains(uri) && e.contains("--data DIR"),
            "{e}"
        );
        // Another staging table's rows do not count.
        let other = copy_uploaded("staging_songs", &[file("a.json")], &ledger, uri);
        assert!(other.unwrap());
    }

    #[test]
    fn a_rebuild_from_uploads_refuses_to_leave_out_loaded_files() {
        let known = KnownFile {
            size: 1,
            modified: None,
            checksum: "xxh3:0".into(),
            rows: 7,
        };
        let ledger = Ledger::new(
            ["a.json", "b.json"]
                .map(|key| ("staging_events".to_owned(), key.to_owned(), known.clone())),
        );
        let uri = "s3://b/p/manifests/log_data.files.json";
        let only_b = [file("b.json"), file("c.json")];
        let uploads = [(&STAGING, uri, &only_b[..])];
        let e = refuse_gone_uploads(&uploads, &ledger, false).unwrap_err();
        let text = e.to_string();
        assert!(text.contains("a.json") && text.contains("7 rows"), "{text}");
        assert!(text.contains("--allow-missing-files"), "{text}");
        assert!(!text.contains("b.json"), "{text}");
        refuse_gone_uploads(&uploads, &ledger, true).unwrap();
        let all = [file("a.json"), file("b.json")];
        refuse_gone_uploads(&[(&STAGING, uri, &all[..])], &ledger, false).unwrap();
    }
}
