//! A run, the one place that sequences one: choose the files (the
//! [`BatchPolicy`] over the load ledger), render the plan, execute it in
//! one transaction, then check what it loaded, run the analyses, count
//! the tables and record the run in the warehouse's run log.
//!
//! ```no_run
//! # async fn demo(project: &dwh_core::Project, files: dwh_core::pipeline::Files)
//! # -> Result<(), dwh_core::run::RunError> {
//! use dwh_core::run::Run;
//! use dwh_core::{report::RunReport, sql::Dialect, Warehouse};
//!
//! let mut warehouse = Warehouse::connect("postgres://localhost/dwh", Dialect::Postgres).await?;
//! let mut report = RunReport::default();
//! Run::new(project, &mut warehouse)
//!     .files(files)
//!     .execute(&mut report, &mut ())
//!     .await?;
//! # Ok(()) }
//! ```
//!
//! A target prepares the connection and the input: the local target the
//! staging files ([`Run::files`]), the Redshift target its COPY statements
//! of what it uploaded ([`Run::staged`], chosen with the same policy before
//! the upload). Printing is the caller's: it hears of each step through
//! [`Progress`].

mod choose;
mod error;
mod finish;

pub use error::RunError;
pub use finish::count_tables;

use std::time::Instant;

use crate::checks::Scope;
use crate::load::ledger::Batch;
use crate::load::policy::{BatchPolicy, Choice};
use crate::pipeline::{self, Files, Loaded};
use crate::progress::{Progress, Step};
use crate::project::{AnalysisResult, Project};
use crate::report::{RunReport, StepRecord, StepStatus};
use crate::schema::Table;
use crate::sql::{self, Limit, Parts, RunPlan, StagingFrom};
use crate::warehouse::{Warehouse, WarehouseError};

pub use choose::refuse_tables_gone;

/// What a staging table's COPY read, known to the target that uploaded
/// it ([`Run::staged`]).
#[derive(Debug, Clone, Default)]
pub struct Described {
    /// Where the COPY reads from (its manifest).
    pub location: String,
    /// Files it reads; 0 when the table is not copied.
    pub files: u64,
    /// Bytes it reads.
    pub bytes: u64,
}

/// Staging chosen and rendered by the target (Redshift: a COPY of the new
/// files it uploaded, chosen under the run's [`BatchPolicy`]).
#[derive(Debug, Default)]
pub struct Staged {
    /// Each staging table's input, in the project's order.
    pub staging: Vec<(&'static Table, StagingFrom)>,
    /// Whether the choice rebuilds from every file.
    pub full_refresh: bool,
    /// What each staging table's COPY reads, in the same order.
    pub described: Vec<Described>,
}

/// What feeds the staging tables.
enum Input {
    /// Nothing: the run creates tables or builds the star schema.
    Nothing,
    /// Local files, chosen by the run.
    Files(Files),
    /// Chosen and rendered by the target.
    Staged(Staged),
}

/// Draws charts of the analyses' results, after the commit.
pub type ChartsHook<'a> =
    dyn FnMut(&[AnalysisResult]) -> Result<(), Box<dyn std::error::Error + Send + Sync>> + 'a;

/// Changes a rendered plan before it runs: a test's planted fault.
pub type AmendPlan<'a> = Box<dyn FnOnce(RunPlan, &[(&'static Table, StagingFrom)]) -> RunPlan + 'a>;

/// One run of a project on a warehouse. See the [module docs](self).
pub struct Run<'a> {
    project: &'a Project,
    warehouse: &'a mut Warehouse,
    parts: Parts,
    policy: BatchPolicy,
    input: Input,
    /// Checks, analyses, counts and the run log after the commit: `dwh all`.
    finish: bool,
    top: Limit,
    charts: Option<&'a mut ChartsHook<'a>>,
    amend: Option<AmendPlan<'a>>,
}

impl<'a> Run<'a> {
    /// A whole run (create, load, build, then checks and analyses) of
    /// `project` on `warehouse`, which the caller has locked
    /// ([`Warehouse::lock`]).
    pub fn new(project: &'a Project, warehouse: &'a mut Warehouse) -> Self {
        Run {
            project,
            warehouse,
            parts: Parts::ALL,
            policy: BatchPolicy::default(),
            input: Input::Nothing,
            finish: true,
            top: Limit::MAX,
            charts: None,
            amend: None,
        }
    }

    /// Only `parts` of the transaction, without the checks, analyses and
    /// run log after it (`dwh load`, `transform`, `create-tables`).
    pub fn part(mut self, parts: Parts) -> Self {
        self.parts = parts;
        self.finish = false;
        self
    }

    /// The transaction's parts (`--fresh`, `--full-refresh`), keeping
    /// what runs after it.
    pub fn parts(mut self, parts: Parts) -> Self {
        self.parts = parts;
        self
    }

    /// What the run does about files the ledger knows.
    pub fn policy(mut self, policy: BatchPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Loads staging from local files, the new ones chosen by the run.
    pub fn files(mut self, files: Files) -> Self {
        self.input = Input::Files(files);
        self
    }

    /// Loads staging as the target chose and rendered it.
    pub fn staged(mut self, staged: Staged) -> Self {
        self.input = Input::Staged(staged);
        self
    }

    /// Rows each analysis shows.
    pub fn top(mut self, top: Limit) -> Self {
        self.top = top;
        self
    }

    /// Draws charts of the analyses, as step [`Step::Charts`].
    pub fn charts(mut self, hook: &'a mut ChartsHook<'a>) -> Self {
        self.charts = Some(hook);
        self
    }

    /// Changes the rendered plan before it runs, given the staging input
    /// it was rendered from: for tests that plant a fault in a real run.
    #[doc(hidden)]
    pub fn amend_plan(mut self, amend: AmendPlan<'a>) -> Self {
        self.amend = Some(amend);
        self
    }

    /// Runs it, recording every step and result in `report` (which may
    /// hold the target's steps already). On an error `report` says how
    /// far the run got; the warehouse keeps what it had unless the commit
    /// was reached.
    pub async fn execute(
        self,
        report: &mut RunReport,
        progress: &mut dyn Progress,
    ) -> Result<(), RunError> {
        let mut recorder = Recorder::new(progress);
        let result = self.stages(report, &mut recorder).await;
        recorder.flush_into(report);
        if result.is_err() || report.failed() {
            report.status = StepStatus::Failed;
        }
        result
    }

    async fn stages(
        mut self,
        report: &mut RunReport,
        rec: &mut Recorder<'_>,
    ) -> Result<(), RunError> {
        let mut input = std::mem::replace(&mut self.input, Input::Nothing);
        let (staging, described) = self.choose(&mut input, rec).await?;
        if !self.parts.fresh && (self.parts.staging || self.parts.star) {
            // Before any write: a load into an older shape fails or fills it wrong.
            refuse_differing(self.warehouse, self.project).await?;
        }
        let files = match input {
            Input::Files(files) => files,
            _ => Files::default(),
        };
        let schema = self.project.schema();
        let mut plan = sql::run_plan(schema, self.warehouse.dialect(), &staging, self.parts)
            .map_err(WarehouseError::from)?;
        if let Some(amend) = self.amend.take() {
            plan = amend(plan, &staging);
        }
        let mut loaded = pipeline::execute(self.warehouse, &plan, &files, rec).await?;
        describe(&mut loaded, &described);
        rec.inner.loaded(&loaded.staging, &loaded.transform);
        if !self.finish {
            (report.staging, report.transform) = (loaded.staging, loaded.transform);
            return Ok(());
        }
        let (appended, changed) = (
            pipeline::appended(schema, &loaded),
            pipeline::changed(&loaded),
        );
        (report.staging, report.transform) = (loaded.staging, loaded.transform);
        let scope = Scope::Appended {
            appended: &appended,
            changed: &changed,
        };
        finish::checks(self.warehouse, self.project, scope, report, rec).await?;
        let results = pipeline::analyze(self.warehouse, self.project, self.top, rec).await?;
        rec.inner.analysed(&results);
        report.set_analysis(&results);
        if let Some(hook) = self.charts.take() {
            charts(hook, &results, rec)?;
        }
        finish::count_tables(self.warehouse, self.project, report).await?;
        rec.flush_into(report);
        finish::log(self.warehouse, self.project, report, rec).await;
        Ok(())
    }

    /// The staging input of the plan, and what each COPY reads: the
    /// local files chosen now, or the target's.
    async fn choose(
        &mut self,
        input: &mut Input,
        rec: &mut Recorder<'_>,
    ) -> Result<(Vec<(&'static Table, StagingFrom)>, Vec<Described>), RunError> {
        let schema = self.project.schema();
        match input {
            Input::Nothing => Ok((Vec::new(), Vec::new())),
            Input::Staged(staged) => {
                self.parts.full_refresh |= staged.full_refresh;
                let staging = std::mem::take(&mut staged.staging);
                Ok((staging, std::mem::take(&mut staged.described)))
            }
            Input::Files(files) => {
                let fresh = self.parts.fresh;
                let policy = BatchPolicy {
                    full_refresh: self.policy.full_refresh || self.parts.full_refresh,
                    ..self.policy
                };
                refuse_tables_gone(policy, self.warehouse, schema, fresh).await?;
                let choice = choose::choose_local(policy, self.warehouse, files, fresh).await?;
                tell(&choice, rec);
                self.parts.full_refresh = choice.full_refresh;
                Ok((staging_from(&choice.batches), Vec::new()))
            }
        }
    }
}

/// Says what the choice found, and which files each table loads.
fn tell(choice: &Choice, rec: &mut Recorder<'_>) {
    for line in &choice.notes {
        rec.inner.note(line);
    }
    rec.inner.chosen(&choice.batches);
}

/// The run plan's staging input for `batches`.
pub fn staging_from(batches: &[Batch]) -> Vec<(&'static Table, StagingFrom)> {
    batches
        .iter()
        .map(|b| {
            let keys = b.new.iter().map(|f| f.key.clone()).collect();
            (b.table, StagingFrom::Files(keys))
        })
        .collect()
}

/// Fills in each COPY's staging report what the target knows it read.
fn describe(loaded: &mut Loaded, described: &[Described]) {
    for (report, described) in loaded.staging.iter_mut().zip(described) {
        report.location = described.location.clone();
        (report.files, report.bytes) = (described.files, described.bytes);
    }
}

/// Runs the charts hook as step [`Step::Charts`].
fn charts(
    hook: &mut ChartsHook<'_>,
    results: &[AnalysisResult],
    rec: &mut Recorder<'_>,
) -> Result<(), RunError> {
    rec.step_started(Step::Charts);
    let drawn = hook(results);
    let failure = drawn.as_ref().err().map(|e| e.to_string());
    rec.step_finished(Step::Charts, None, failure.as_deref());
    drawn.map_err(RunError::Charts)
}

/// The guard of every run that loads: fails, naming the tables, when an
/// existing declared table differs from its struct in more than its
/// comments (which change no data; `dwh migrate` sets them): loading it
/// could fail on the old shape or fill it wrong. A declared table dwh does
/// not own is refused as such, first.
pub async fn refuse_differing(warehouse: &Warehouse, project: &Project) -> Result<(), RunError> {
    warehouse.owned_tables(project.schema()).await?;
    let plan = warehouse.plan(project.schema()).await?;
    let differing: Vec<String> = plan
        .tables
        .iter()
        .filter(|t| t.action != crate::migrate::TableAction::Create && !t.comments_only)
        .map(|t| format!("`{}`", t.table))
        .collect();
    match differing.is_empty() {
        true => Ok(()),
        false => Err(RunError::Differs(differing)),
    }
}

/// Records each step in the report, and passes it on.
struct Recorder<'p> {
    inner: &'p mut dyn Progress,
    steps: Vec<StepRecord>,
    started: Option<Instant>,
}

impl<'p> Recorder<'p> {
    fn new(inner: &'p mut dyn Progress) -> Self {
        Recorder {
            inner,
            steps: Vec::new(),
            started: None,
        }
    }

    /// Moves the steps recorded so far to `report`.
    fn flush_into(&mut self, report: &mut RunReport) {
        report.steps.append(&mut self.steps);
    }
}

impl Progress for Recorder<'_> {
    fn step_started(&mut self, step: Step) {
        self.started = Some(Instant::now());
        self.inner.step_started(step);
    }

    fn step_finished(&mut self, step: Step, rows: Option<u64>, failure: Option<&str>) {
        let took = self.started.take().map(|s| s.elapsed()).unwrap_or_default();
        let error = failure.map(str::to_owned);
        self.steps
            .push(StepRecord::new(step.name(), rows, took, error));
        self.inner.step_finished(step, rows, failure);
    }
}
