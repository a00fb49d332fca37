//! The JSON run report (`--report FILE`): what ran, how long, how many rows.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use dwh_core::checks::CheckResult;
use dwh_core::load::StagingReport;
use dwh_core::warehouse::TransformReport;
use serde::Serialize;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StepStatus {
    #[default]
    Ok,
    Failed,
}

#[derive(Debug, Clone, Serialize)]
pub struct StepRecord {
    pub step: String,
    pub status: StepStatus,
    pub rows: Option<u64>,
    #[serde(rename = "duration_ms", serialize_with = "dwh_core::report::millis")]
    pub duration: Duration,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl StepRecord {
    /// A step that took `duration`: failed when `error` says why.
    pub fn new(step: &str, rows: Option<u64>, duration: Duration, error: Option<String>) -> Self {
        StepRecord {
            step: step.to_owned(),
            status: if error.is_none() {
                StepStatus::Ok
            } else {
                StepStatus::Failed
            },
            rows,
            duration,
            error,
        }
    }
}

#[derive(Debug, Default, Serialize)]
pub struct RunReport {
    /// `failed` when a step failed, a data-quality check included.
    pub status: StepStatus,
    pub steps: Vec<StepRecord>,
    pub staging: Vec<StagingReport>,
    pub transform: Vec<TransformReport>,
    pub checks: Vec<CheckResult>,
    /// Rows in every table at the end of the run.
    pub tables: BTreeMap<String, u64>,
    pub analysis: BTreeMap<String, serde_json::Value>,
}

impl RunReport {
    pub fn write(&self, path: &Path) -> anyhow::Result<()> {
        let json = serde_json::to_string_pretty(self).expect("report serializes");
        std::fs::write(path, json + "\n").with_context(|| self.write_failed(path))
    }

    /// What a failed write means: after the commit, only the report is
    /// missing, and the user must not think the load was lost.
    fn write_failed(&self, path: &Path) -> String {
        // The transform's reports are recorded once its transaction committed.
        if self.transform.is_empty() {
            format!("writing the run report to {}", path.display())
        } else {
            format!(
                "the warehouse was loaded and committed; only the run report could not be \
                 written to {} (a later `dwh all --report FILE` loads nothing twice)",
                path.display()
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A report that cannot be written after the commit says the load
    /// stands; before it, only that the report failed.
    #[test]
    fn a_failed_report_after_the_commit_says_the_warehouse_was_loaded() {
        let missing = std::env::temp_dir()
            .join(format!("dwh-report-{}", std::process::id()))
            .join("no-such-folder/run.json");
        let mut report = RunReport::default();
        let before = format!("{:#}", report.write(&missing).unwrap_err());
        assert!(!before.contains("committed"), "{before}");
        report.transform.push(TransformReport {
            table: "users",
            rows_before: 0,
            rows_after: 1,
            rows_changed: 1,
            analyzed: false,
            duration: Duration::ZERO,
        });
        let after = format!("{:#}", report.write(&missing).unwrap_err());
        assert!(after.contains("loaded and committed"), "{after}");
        assert!(after.contains(&missing.display().to_string()), "{after}");
    }
}
