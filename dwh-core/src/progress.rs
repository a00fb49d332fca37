//! What a run tells its caller as it goes: the [`Step`] it is in, lines
//! worth saying, and what each stage produced. The command line draws
//! spinners from it; a test or the benchmark ignores it or times it.

use crate::checks::CheckResult;
use crate::load::ledger::Batch;
use crate::load::StagingReport;
use crate::project::AnalysisResult;
use crate::warehouse::TransformReport;

/// One step of a run, on either target, in the order a run takes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    /// The local engine started or reused.
    StartWarehouse,
    /// The Redshift cluster looked up.
    FindCluster,
    /// Logged in to Redshift over TLS.
    ConnectRedshift,
    /// The run's new files uploaded to S3.
    Upload,
    /// The run lock, and the ownership check.
    Lock,
    /// `--fresh`: dwh's tables dropped.
    DropTables,
    /// The tables created where missing.
    CreateTables,
    /// `--full-refresh`: the star schema emptied.
    EmptyStarSchema,
    /// Staging loaded from the local files.
    LoadStaging,
    /// Staging loaded by `COPY … FROM` S3.
    CopyStaging,
    /// Staging to the star schema.
    BuildStarSchema,
    /// The run transaction committed.
    Commit,
    /// The data-quality checks.
    Checks,
    /// The project's analyses.
    Analysis,
    /// The analyses drawn as charts.
    Charts,
}

impl Step {
    /// The step's name, as spinners, the run report and the run log show it.
    pub fn name(self) -> &'static str {
        match self {
            Step::StartWarehouse => "start warehouse",
            Step::FindCluster => "find cluster",
            Step::ConnectRedshift => "connect to Redshift",
            Step::Upload => "upload to S3",
            Step::Lock => "lock and check ownership",
            Step::DropTables => "drop dwh's tables (--fresh)",
            Step::CreateTables => "create tables",
            Step::EmptyStarSchema => "empty the star schema (--full-refresh)",
            Step::LoadStaging => "load staging",
            Step::CopyStaging => "load staging (COPY from S3)",
            Step::BuildStarSchema => "build star schema",
            Step::Commit => "commit",
            Step::Checks => "data-quality checks",
            Step::Analysis => "analysis",
            Step::Charts => "charts",
        }
    }
}

impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Told when each step starts and ends, and what the run found. Every
/// method has an empty default.
pub trait Progress {
    /// `step` started.
    fn step_started(&mut self, _step: Step) {}
    /// `step` ended: the rows it reports, and why it failed, if it did (a
    /// check step can run fine and still fail).
    fn step_finished(&mut self, _step: Step, _rows: Option<u64>, _failure: Option<&str>) {}
    /// A line worth telling the user: which files the run loads, why it
    /// rebuilds.
    fn note(&mut self, _line: &str) {}
    /// The files each staging table loads, sorted against the ledger.
    fn chosen(&mut self, _batches: &[Batch]) {}
    /// The run transaction committed these loads.
    fn loaded(&mut self, _staging: &[StagingReport], _transform: &[TransformReport]) {}
    /// The data-quality checks ran.
    fn checked(&mut self, _results: &[CheckResult]) {}
    /// The analyses ran.
    fn analysed(&mut self, _results: &[AnalysisResult]) {}
}

/// A run without progress reports.
impl Progress for () {}
