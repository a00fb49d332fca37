//! The sidecar beside each COPY manifest (`manifests/<dir>.files.json`):
//! the load ledger's rows of the source files whose records the manifest's
//! parts hold. `dwh upload` does not know the cluster's ledger; with the
//! sidecar, a later `dwh all --target redshift` without `--data` can tell
//! whether the manifest brings new files, and record them when it does.

use anyhow::Context;
use chrono::NaiveDateTime;
use dwh_core::sql::ledger::LedgerFile;
use serde::{Deserialize, Serialize};

/// The sidecar document.
#[derive(Debug, Serialize, Deserialize)]
struct Sidecar {
    /// The manifest it describes, for a person reading it.
    manifest: String,
    files: Vec<FileRow>,
}

/// One [`LedgerFile`], as JSON.
#[derive(Debug, Serialize, Deserialize)]
struct FileRow {
    key: String,
    size: u64,
    modified: Option<NaiveDateTime>,
    checksum: String,
    rows: u64,
}

/// The sidecar of `manifest`, listing `files`.
pub fn to_json(manifest: &str, files: &[LedgerFile]) -> String {
    let sidecar = Sidecar {
        manifest: manifest.to_owned(),
        files: files
            .iter()
            .map(|f| FileRow {
                key: f.key.clone(),
                size: f.size,
                modified: f.modified,
                checksum: f.checksum.clone(),
                rows: f.rows,
            })
            .collect(),
    };
    serde_json::to_string_pretty(&sidecar).unwrap_or_default()
}

/// The files a sidecar read from `uri` lists.
pub fn from_json(uri: &str, text: &str) -> anyhow::Result<Vec<LedgerFile>> {
    let sidecar: Sidecar = serde_json::from_str(text).with_context(|| {
        format!("{uri} is not a file list dwh wrote; run `dwh upload --data DIR` again")
    })?;
    Ok(sidecar
        .files
        .into_iter()
        .map(|f| LedgerFile {
            key: f.key,
            size: f.size,
            modified: f.modified,
            checksum: f.checksum,
            rows: f.rows,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let modified = chrono::DateTime::from_timestamp_micros(1_541_105_830_796_123)
            .unwrap()
            .naive_utc();
        let files = vec![
            LedgerFile {
                key: "2018/11/2018-11-01-events.json".into(),
                size: 7151,
                modified: Some(modified),
                checksum: "xxh3:00112233445566ff".into(),
                rows: 12,
            },
            LedgerFile {
                key: "A/B/C/TRABCEI128F424C983.json".into(),
                size: 250,
                modified: None,
                checksum: "\"etag-1\"".into(),
                rows: 1,
            },
        ];
        let text = to_json("s3://b/p/manifests/log_data.manifest", &files);
        assert!(text.contains("\"manifest\": \"s3://b/p/manifests/log_data.manifest\""));
        assert_eq!(from_json("s3://b/x", &text).unwrap(), files);
        let e = from_json("s3://b/x.files.json", "{\"entries\": []}")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("s3://b/x.files.json") && e.contains("dwh upload"),
            "{e}"
        );
    }
}
