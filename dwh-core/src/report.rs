//! The run report: what a run did, step by step, and what the warehouse
//! holds after it. `dwh all --report FILE` writes it as JSON, the run log
//! keeps its steps, `dwh docs` shows it.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Serialize, Serializer};

use crate::checks::CheckResult;
use crate::load::StagingReport;
use crate::progress::Step;
use crate::project::AnalysisResult;
use crate::warehouse::TransformReport;

/// Durations in reports are milliseconds, as a number.
pub fn millis<S: Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_f64(duration.as_secs_f64() * 1000.0)
}

/// How a step, or the whole run, ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StepStatus {
    /// It did what it should.
    #[default]
    Ok,
    /// It failed, or (the run) a data-quality check did.
    Failed,
}

impl StepStatus {
    /// `ok` or `failed`, as the report and the run log write it.
    pub fn as_str(self) -> &'static str {
        match self {
            StepStatus::Ok => "ok",
            StepStatus::Failed => "failed",
        }
    }
}

/// One step of a run: how it ended, its rows, how long it took.
#[derive(Debug, Clone, Serialize)]
pub struct StepRecord {
    /// The step's name ([`Step::name`], or a command's own step).
    pub step: String,
    /// How it ended.
    pub status: StepStatus,
    /// Rows it loaded, added or checked, when it counts any.
    pub rows: Option<u64>,
    /// How long it took.
    #[serde(rename = "duration_ms", serialize_with = "millis")]
    pub duration: Duration,
    /// Why it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl StepRecord {
    /// A step named `step` that took `duration`: failed when `error` says why.
    pub fn new(step: &str, rows: Option<u64>, duration: Duration, error: Option<String>) -> Self {
        StepRecord {
            step: step.to_owned(),
            status: match error {
                None => StepStatus::Ok,
                Some(_) => StepStatus::Failed,
            },
            rows,
            duration,
            error,
        }
    }

    /// Whether this is the record of `step`.
    pub fn is(&self, step: Step) -> bool {
        self.step == step.name()
    }
}

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
