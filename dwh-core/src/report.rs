//! The run report: what a run did, step by step, and what the warehouse
//! holds after it. `dwh all --report FILE` writes it as JSON, the run log
//! keeps its steps, `dwh docs` shows it.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::checks::CheckResult;
use crate::load::StagingReport;
use crate::project::AnalysisResult;
use crate::warehouse::TransformReport;

pub use crate::sql::runs::{millis, StepRecord, StepStatus};

/// What a run did, and what the warehouse holds after it.
#[derive(Debug, Default, Serialize)]
pub struct RunReport {
    /// `failed` when a step failed, a data-quality check included.
    pub status: StepStatus,
    /// Every step, in order.
    pub steps: Vec<StepRecord>,
    /// Each staging table loaded.
    pub staging: Vec<StagingReport>,
    /// Each star-schema table's rows before and after.
    pub transform: Vec<TransformReport>,
    /// The data-quality checks' results.
    pub checks: Vec<CheckResult>,
    /// Rows in every table at the end of the run.
    pub tables: BTreeMap<String, u64>,
    /// Each analysis's rows, by its key.
    pub analysis: BTreeMap<String, serde_json::Value>,
}

impl RunReport {
    /// Whether a step or a data-quality check failed.
    pub fn failed(&self) -> bool {
        self.steps.iter().any(|s| s.status == StepStatus::Failed)
            || crate::checks::failed_summary(&self.checks).is_some()
    }

    /// Keeps the analyses' results, by key.
    pub fn set_analysis(&mut self, results: &[AnalysisResult]) {
        self.analysis = results
            .iter()
            .map(|r| (r.key.to_owned(), r.json()))
            .collect();
    }
}
