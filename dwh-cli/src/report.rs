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
        std::fs::write(path, json + "\n")
            .with_context(|| format!("writing the run report to {}", path.display()))
    }
}
