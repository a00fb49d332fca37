//! The run report: what a run did, step by step, and what the warehouse
//! holds after it. `dwh all --report FILE` writes it as JSON, the run log
//! keeps its steps, `dwh docs` shows it. And the human text of its
//! numbers (`12,345`, `1.5 MB`).

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

/// `12345` as `12,345`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A size in bytes as `1.5 MB` (from 1 MiB) or `12.0 kB`.
pub fn bytes(n: u64) -> String {
    if n >= 1 << 20 {
        format!("{:.1} MB", n as f64 / (1 << 20) as f64)
    } else {
        format!("{:.1} kB", n as f64 / 1024.0)
    }
}
