//! The run on a terminal: a spinner per step, and what each step found.
//! dwh-core's [`Run`](dwh_core::run::Run) reports through [`Progress`];
//! the commands' own steps (start the engine, generate data, upload) run
//! through [`Console::step`].

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use dwh_core::checks::CheckResult;
use dwh_core::load::ledger::Batch;
use dwh_core::load::StagingReport;
use dwh_core::progress::{Progress, Step};
use dwh_core::project::AnalysisResult;
use dwh_core::report::{RunReport, StepRecord};
use dwh_core::warehouse::TransformReport;
use indicatif::ProgressBar;

use super::analysis_view::print_analysis;
use crate::ui;

/// Spinners for the steps of a run, and the record of the commands' own.
#[derive(Default)]
pub struct Console {
    /// The steps run through [`Console::step`], for the run report.
    pub steps: Vec<StepRecord>,
    /// Spinner messages and slots for steps the core run starts (the
    /// load's, which a ticker updates with live counts through the slot).
    prepared: HashMap<Step, (String, BarSlot)>,
    /// The step the core run is in: its spinner and slot.
    current: Option<(ProgressBar, Instant, Option<BarSlot>)>,
}

/// Where a step's spinner is while the step runs, for a ticker to update.
pub type BarSlot = Arc<Mutex<Option<ProgressBar>>>;

impl Progress for Console {
    fn step_started(&mut self, step: Step) {
        let (bar, slot) = match self.prepared.remove(&step) {
            Some((message, slot)) => {
                let bar = ui::spinner(message);
                *slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(bar.clone());
                (bar, Some(slot))
            }
            None => (ui::spinner(step.name()), None),
        };
        self.current = Some((bar, Instant::now(), slot));
    }

    fn step_finished(&mut self, step: Step, rows: Option<u64>, failure: Option<&str>) {
        let (bar, started, slot) = self
            .current
            .take()
            .unwrap_or_else(|| (ui::spinner(step.name()), Instant::now(), None));
        if let Some(slot) = slot {
            *slot.lock().unwrap_or_else(|e| e.into_inner()) = None;
        }
        let failure = failure.map(str::to_owned);
        let record = StepRecord::new(step.name(), rows, started.elapsed(), failure);
        ui::finish(&bar, &record);
    }

    fn note(&mut self, line: &str) {
        eprintln!("{line}");
    }

    fn chosen(&mut self, batches: &[Batch]) {
        for b in batches {
            eprintln!("{}", ui::batch_line(b.table.name, b.new.len(), b.unchanged));
        }
    }

    fn loaded(&mut self, staging: &[StagingReport], transform: &[TransformReport]) {
        print_staging(staging);
        print_transform(transform);
    }

    fn checked(&mut self, results: &[CheckResult]) {
        print_checks(results);
    }

    fn analysed(&mut self, results: &[AnalysisResult]) {
        print_analysis(results);
    }
}

impl Console {
    /// Shows `message` on the spinner of `step` when the run starts it;
    /// the slot holds that spinner while the step runs.
    pub fn prepare(&mut self, step: Step, message: String) -> BarSlot {
        let slot = BarSlot::default();
        self.prepared.insert(step, (message, Arc::clone(&slot)));
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
        self.steps.push(record);
        result
    }
}

/// The steps of `report` as a table, and the total time.
pub fn print_summary(report: &RunReport) {
    let rows = report
        .steps
        .iter()
        .map(|s| {
            vec![
                s.step.clone(),
                s.status.as_str().to_owned(),
                s.rows.map(ui::thousands).unwrap_or_default(),
                ui::human_duration(s.duration),
            ]
        })
        .collect();
    println!(
        "{}",
        ui::table(&["step", "status", "rows", "duration"], rows)
    );
    let total: Duration = report.steps.iter().map(|s| s.duration).sum();
    println!("total {}", ui::human_duration(total));
}

/// Each staging table's rows, files and bytes, and skipped records.
pub fn print_staging(reports: &[StagingReport]) {
    for r in reports {
        eprintln!(
            "    {}: {} rows from {} files ({}){}",
            r.table,
            ui::thousands(r.rows),
            r.files,
            ui::bytes(r.bytes),
            match (&r.rejects_file, r.rejected) {
                (Some(path), n) if n > 0 =>
                    format!(", {n} bad records skipped into {}", path.display()),
                _ => String::new(),
            }
        );
    }
}

/// Each star-schema table's rows, and how many the run added.
pub fn print_transform(reports: &[TransformReport]) {
    for r in reports {
        eprintln!(
            "    {}: {} rows (+{})",
            r.table,
            ui::thousands(r.rows_after),
            ui::thousands(r.rows_after - r.rows_before)
        );
    }
}

pub fn print_checks(results: &[CheckResult]) {
    let failed: Vec<&CheckResult> = results.iter().filter(|c| !c.passed).collect();
    if failed.is_empty() {
        eprintln!("    all {} checks passed", results.len());
        return;
    }
    let rows = failed
        .iter()
        .map(|c| {
            vec![
                c.table.to_owned(),
                c.check.clone(),
                ui::thousands(c.failures),
                c.examples.join("; "),
            ]
        })
        .collect();
    println!(
        "{}",
        ui::table(&["table", "failed check", "offending", "examples"], rows)
    );
}
