//! The run log (`dwh_runs`): the steps of every finished `dwh all`, one row
//! per step, so `dwh docs` can show the last run from the warehouse itself.
//!
//! A run's rows share its `run_at`, rendered by dwh as a literal (not the
//! server's clock function, whose meaning differs: PostgreSQL's `now()` is
//! the transaction's start, Redshift's `GETDATE()` the statement's), so one
//! `INSERT` writes one run and `MAX(run_at)` finds the last. Like the
//! registry, every statement renders the same for both dialects but for
//! literal escaping, and binds no parameters.

use std::time::Duration;

use chrono::NaiveDateTime;
use serde::{Serialize, Serializer};

use super::dialect::Dialect;
use super::ident::{quote_ident, quote_literal};

/// The run log's table name.
pub const RUNS: &str = "dwh_runs";

/// Bytes of a step's error message kept: Redshift's VARCHAR length counts
/// bytes (<https://docs.aws.amazon.com/redshift/latest/dg/r_Character_types.html>).
const ERROR_BYTES: usize = 1000;
/// Bytes of a step name kept.
const STEP_BYTES: usize = 250;

/// One finished run: the project, when it ended, its outcome, its steps
/// in order.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRecord {
    /// The project that ran (`Project::name`): one database can hold the
    /// tables of several projects, each reads back its own runs.
    pub project: String,
    /// When the run finished, UTC (microseconds, as both engines keep).
    pub run_at: NaiveDateTime,
    /// `failed` when a step or a data-quality check failed.
    pub status: StepStatus,
    /// The steps, in the order they ran.
    pub steps: Vec<StepRecord>,
}

impl RunRecord {
    /// A run finishing now.
    pub fn finished_now(project: &str, status: StepStatus, steps: Vec<StepRecord>) -> RunRecord {
        RunRecord {
            project: project.to_owned(),
            run_at: chrono::Utc::now().naive_utc(),
            status,
            steps,
        }
    }
}

/// Durations in reports are milliseconds, as a number.
pub fn millis<S: Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_f64(duration.as_secs_f64() * 1000.0)
}

/// How a step, or a whole run, ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StepStatus {
    /// It did what it should.
    #[default]
    Ok,
    /// It failed, or (a run) a data-quality check did.
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

    /// The status the run log wrote as `text`: anything but `ok` failed.
    pub fn from_logged(text: &str) -> StepStatus {
        match text {
            "ok" => StepStatus::Ok,
            _ => StepStatus::Failed,
        }
    }
}

/// One step of a run: how it ended, its rows, how long it took. The run
/// report and the run log keep the same record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepRecord {
    /// The step's name (`load staging`).
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
}

/// `CREATE TABLE IF NOT EXISTS dwh_runs (...)`: a small table with no
/// physical options, so the same statement runs on both dialects. No column
/// name is a Redshift reserved word
/// (<https://docs.aws.amazon.com/redshift/latest/dg/r_pg_keywords.html>).
pub fn create_runs() -> String {
    format!(
        "CREATE TABLE IF NOT EXISTS {} (\n    \
         project VARCHAR(127) NOT NULL,\n    \
         run_at TIMESTAMP NOT NULL,\n    \
         dwh_version VARCHAR(32) NOT NULL,\n    \
         run_status VARCHAR(16) NOT NULL,\n    \
         step_no INTEGER NOT NULL,\n    \
         step VARCHAR(256) NOT NULL,\n    \
         step_status VARCHAR(16) NOT NULL,\n    \
         row_count BIGINT,\n    \
         duration_ms DOUBLE PRECISION NOT NULL,\n    \
         error VARCHAR(1024)\n)",
        quote_ident(RUNS)
    )
}

/// One multi-row `INSERT` of `run`'s steps; `None` for a run without steps.
pub fn record_run(run: &RunRecord, dialect: Dialect) -> Option<String> {
    if run.steps.is_empty() {
        return None;
    }
    let run_at = format!(
        "CAST({} AS TIMESTAMP)",
        quote_literal(
            &run.run_at.format("%Y-%m-%d %H:%M:%S%.6f").to_string(),
            dialect
        )
    );
    let project = quote_literal(&run.project, dialect);
    let version = quote_literal(env!("CARGO_PKG_VERSION"), dialect);
    let status = quote_literal(run.status.as_str(), dialect);
    let text = |t: &str, bytes: usize| quote_literal(truncate(t, bytes), dialect);
    let rows: Vec<String> = run
        .steps
        .iter()
        .enumerate()
        .map(|(no, s)| {
            let ms = s.duration.as_secs_f64() * 1000.0;
            format!(
                "({project}, {run_at}, {version}, {status}, {no}, {}, {}, {}, {ms:.3}, {})",
                text(&s.step, STEP_BYTES),
                text(s.status.as_str(), 16),
                s.rows.map_or("NULL".to_owned(), |n| n.to_string()),
                s.error
                    .as_deref()
                    .map_or("NULL".to_owned(), |e| text(e, ERROR_BYTES)),
            )
        })
        .collect();
    Some(format!(
        "INSERT INTO {} (project, run_at, dwh_version, run_status, step_no, step, step_status, row_count, \
         duration_ms, error) VALUES\n{}",
        quote_ident(RUNS),
        rows.join(",\n")
    ))
}

/// The steps of `project`'s last run, in order:
/// `run_at, run_status, step, step_status, row_count, duration_ms, error`.
pub fn last_run(project: &str, dialect: Dialect) -> String {
    let runs = quote_ident(RUNS);
    let project = quote_literal(project, dialect);
    format!(
        "SELECT run_at, run_status, step, step_status, row_count, duration_ms, error \
         FROM {runs} WHERE project = {project} AND run_at = \
         (SELECT MAX(run_at) FROM {runs} WHERE project = {project}) ORDER BY step_no"
    )
}

/// `text` cut to at most `bytes` bytes, on a character boundary.
fn truncate(text: &str, bytes: usize) -> &str {
    if text.len() <= bytes {
        return text;
    }
    let mut end = bytes;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run() -> RunRecord {
        RunRecord {
            project: "shop".to_owned(),
            run_at: NaiveDateTime::parse_from_str("2026-12-01 22:15:03.5", "%Y-%m-%d %H:%M:%S%.f")
                .unwrap(),
            status: StepStatus::Failed,
            steps: vec![
                StepRecord::new(
                    "load staging",
                    Some(8056),
                    Duration::from_micros(812_250),
                    None,
                ),
                StepRecord::new(
                    "checks",
                    None,
                    Duration::ZERO,
                    Some(format!("it's \\ {}", "é".repeat(600))),
                ),
            ],
        }
    }

    #[test]
    fn one_insert_per_run_with_its_time_as_a_literal() {
        let sql = record_run(&run(), Dialect::Redshift).unwrap();
        assert_eq!(
            sql.matches("CAST('2026-12-01 22:15:03.500000' AS TIMESTAMP)")
                .count(),
            2
        );
        assert!(
            sql.contains("'load staging', 'ok', 8056, 812.250, NULL)"),
            "{sql}"
        );
        assert!(
            sql.contains("'checks', 'failed', NULL, 0.000, 'it''s \\\\ é"),
            "{sql}"
        );
    }

    #[test]
    fn errors_are_cut_to_the_column_in_bytes_on_a_character_boundary() {
        let sql = record_run(&run(), Dialect::Postgres).unwrap();
        let error = sql.split("'it''s").nth(1).unwrap();
        let kept = &error[..error.find('\'').unwrap()];
        assert!(kept.len() + "it's".len() <= ERROR_BYTES, "{}", kept.len());
        assert!(kept.ends_with('é'));
    }

    #[test]
    fn a_run_without_steps_writes_nothing() {
        let empty = RunRecord {
            steps: vec![],
            ..run()
        };
        assert!(record_run(&empty, Dialect::Postgres).is_none());
    }
}
