//! Running steps with a spinner each, recorded for the summary and report.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use dwh_core::pipeline::Progress;
use indicatif::ProgressBar;

use crate::report::{RunReport, StepRecord};
use crate::ui;

/// Runs steps with a spinner each, recording them for the summary and report.
#[derive(Default)]
pub struct Run {
    pub report: RunReport,
    /// Spinner messages and slots for steps the core pipeline starts (the
    /// load's, which a ticker updates with live counts through the slot).
    prepared: HashMap<String, (String, BarSlot)>,
    /// The step the core pipeline is in: its spinner, start, and slot.
    current: Option<(ProgressBar, Instant, Option<BarSlot>)>,
}

/// Where a step's spinner is while the step runs, for a ticker to update.
pub type BarSlot = Arc<Mutex<Option<ProgressBar>>>;

impl Progress for Run {
    fn step_started(&mut self, step: &str) {
        let (bar, slot) = match self.prepared.remove(step) {
            Some((message, slot)) => {
                let bar = ui::spinner(message);
                *slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(bar.clone());
                (bar, Some(slot))
            }
            None => (ui::spinner(step), None),
        };
        self.current = Some((bar, Instant::now(), slot));
    }

    fn step_finished(&mut self, step: &str, rows: Option<u64>, failure: Option<&str>) {
        let (bar, started, slot) = self
            .current
            .take()
            .unwrap_or_else(|| (ui::spinner(step), Instant::now(), None));
        if let Some(slot) = slot {
            *slot.lock().unwrap_or_else(|e| e.into_inner()) = None;
        }
        let record = StepRecord::new(step, rows, started.elapsed(), failure.map(str::to_owned));
        ui::finish(&bar, &record);
        self.report.steps.push(record);
    }
}

impl Run {
    /// Shows `message` on the spinner of `step` when the pipeline starts
    /// it; the slot holds that spinner while the step runs.
    pub fn prepare(&mut self, step: &str, message: String) -> BarSlot {
        let slot = BarSlot::default();
        self.prepared
            .insert(step.to_owned(), (message, Arc::clone(&slot)));
        slot
    }

    /// Runs `work` as step `name`, with a spinner, recorded with the rows
    /// `rows` reads from its result.
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
        let started = Instant::now();
        let result = work.await;
        let error = result.as_ref().err().map(|e| format!("{e:#}"));
        let rows = result.as_ref().ok().and_then(&rows);
        let record = StepRecord::new(name, rows, started.elapsed(), error);
        ui::finish(&bar, &record);
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
