//! Running steps with a spinner each, recorded for the summary and report.

use std::future::Future;
use std::time::{Duration, Instant};

use indicatif::ProgressBar;

use crate::report::{RunReport, StepRecord, StepStatus};
use crate::ui;

/// Runs steps with a spinner each, recording them for the summary and report.
#[derive(Default)]
pub struct Run {
    pub report: RunReport,
}

impl Run {
    pub async fn step<T, F>(
        &mut self,
        name: &str,
        rows: impl Fn(&T) -> Option<u64>,
        work: F,
    ) -> anyhow::Result<T>
    where
        F: Future<Output = anyhow::Result<T>>,
    {
        let bar = ui::spinner(name);
        self.step_with(name, &bar, rows, work).await
    }

    /// A step whose work can succeed and still mean failure, as checks that
    /// ran and found offending rows: `judge` says why, and the step, the
    /// summary and the report then say failed.
    pub async fn judged_step<T, F>(
        &mut self,
        name: &str,
        rows: impl Fn(&T) -> Option<u64>,
        judge: impl Fn(&T) -> Option<String>,
        work: F,
    ) -> anyhow::Result<T>
    where
        F: Future<Output = anyhow::Result<T>>,
    {
        let bar = ui::spinner(name);
        self.record(name, &bar, rows, judge, work).await
    }

    pub async fn step_with<T, F>(
        &mut self,
        name: &str,
        bar: &ProgressBar,
        rows: impl Fn(&T) -> Option<u64>,
        work: F,
    ) -> anyhow::Result<T>
    where
        F: Future<Output = anyhow::Result<T>>,
    {
        self.record(name, bar, rows, |_| None, work).await
    }

    async fn record<T, F>(
        &mut self,
        name: &str,
        bar: &ProgressBar,
        rows: impl Fn(&T) -> Option<u64>,
        judge: impl Fn(&T) -> Option<String>,
        work: F,
    ) -> anyhow::Result<T>
    where
        F: Future<Output = anyhow::Result<T>>,
    {
        let started = Instant::now();
        let result = work.await;
        let error = match &result {
            Ok(value) => judge(value),
            Err(e) => Some(format!("{e:#}")),
        };
        let record = StepRecord {
            step: name.to_owned(),
            status: if error.is_none() {
                StepStatus::Ok
            } else {
                StepStatus::Failed
            },
            rows: result.as_ref().ok().and_then(&rows),
            duration: started.elapsed(),
            error,
        };
        ui::finish(bar, &record);
        self.report.steps.push(record);
        result
    }

    pub fn print_summary(&self) {
        let rows = self
            .report
            .steps
            .iter()
            .map(|s| {
                vec![
                    s.step.clone(),
                    format!("{:?}", s.status).to_lowercase(),
                    s.rows.map(ui::thousands).unwrap_or_default(),
                    ui::human_duration(s.duration),
                ]
            })
            .collect();
        println!(
            "{}",
            ui::table(&["step", "status", "rows", "duration"], rows)
        );
        let total: Duration = self.report.steps.iter().map(|s| s.duration).sum();
        println!("total {}", ui::human_duration(total));
    }
}
