//! The run log in the warehouse (`dwh_runs`): `dwh all` records its steps
//! there, and `dwh docs` reads the last run back when no `--report` is given.

use dwh_core::checks::{self, failed_summary};
use dwh_core::pipeline;
use dwh_core::sql::runs::{RunRecord, StepRecord};
use dwh_core::sql::Limit;
use dwh_core::{Project, Warehouse};
use serde_json::{json, Value};

use super::analysis_view::analysis_json;
use super::steps::table_counts;
use crate::report::{RunReport, StepStatus};

/// Records the run of `report` in the warehouse's run log. A run log that
/// cannot be written (a foreign `dwh_runs`, no INSERT grant) costs the
/// run nothing: it is said, and the run's outcome stands.
pub async fn record(warehouse: &Warehouse, project: &Project, report: &RunReport) {
    let run = RunRecord::finished_now(
        project.name(),
        status_of(report),
        report
            .steps
            .iter()
            .map(|s| StepRecord {
                step: s.step.clone(),
                status: as_str(s.status).to_owned(),
                rows: s.rows.and_then(|n| i64::try_from(n).ok()),
                duration_ms: s.duration.as_secs_f64() * 1000.0,
                error: s.error.clone(),
            })
            .collect(),
    );
    if let Err(e) = warehouse.record_run(&run).await {
        eprintln!("! the run was not recorded in the warehouse ({e}); `dwh docs` will not show it");
    }
}

/// `failed` when a step or a check failed, as the report will say.
fn status_of(report: &RunReport) -> &'static str {
    let step_failed = report.steps.iter().any(|s| s.status == StepStatus::Failed);
    if step_failed || failed_summary(&report.checks).is_some() {
        "failed"
    } else {
        "ok"
    }
}

fn as_str(status: StepStatus) -> &'static str {
    match status {
        StepStatus::Ok => "ok",
        StepStatus::Failed => "failed",
    }
}

/// The last recorded run of `warehouse` as a run report: its steps from the
/// log, and what the warehouse holds now (row counts, checks, analyses).
/// `None` when no run is recorded there.
pub async fn read_back(
    warehouse: &Warehouse,
    project: &Project,
    top: Limit,
    database: &str,
) -> anyhow::Result<Option<Value>> {
    let Some(run) = warehouse.last_run(project.name()).await? else {
        return Ok(None);
    };
    let source = format!(
        "Read from database `{database}`: the steps of the run that finished at {} UTC",
        run.run_at.format("%Y-%m-%d %H:%M:%S")
    );
    let owned = warehouse.owned_tables(project.schema()).await?;
    if owned.len() < project.schema().tables().len() {
        // Dropped since (drop-tables): the steps are history, the rest is gone.
        return Ok(Some(json!({
            "status": run.status,
            "source": format!("{source}; the warehouse no longer holds all its tables."),
            "steps": run.steps,
        })));
    }
    let queries = project.check_queries(checks::EXAMPLES);
    let checks = pipeline::check(warehouse, &queries, checks::Scope::Whole, &mut ()).await?;
    let results = pipeline::analyze(warehouse, project, top, &mut ()).await?;
    let mut counted = RunReport::default();
    table_counts(warehouse, project, &mut counted).await?;
    Ok(Some(json!({
        "status": run.status,
        "source": format!("{source}; row counts, checks and analyses as the warehouse holds them now."),
        "steps": run.steps,
        "checks": checks,
        "tables": counted.tables,
        "analysis": analysis_json(&results),
    })))
}
