//! The run log in the warehouse (`dwh_runs`): dwh-core's run records its
//! steps there, and `dwh docs` reads the last run back when no `--report`
//! is given.

use dwh_core::checks;
use dwh_core::pipeline;
use dwh_core::report::RunReport;
use dwh_core::run::count_tables;
use dwh_core::sql::Limit;
use dwh_core::{Project, Warehouse};
use serde_json::{json, Value};

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
    count_tables(warehouse, project, &mut counted).await?;
    counted.set_analysis(&results);
    Ok(Some(json!({
        "status": run.status,
        "source": format!("{source}; row counts, checks and analyses as the warehouse holds them now."),
        "steps": run.steps,
        "checks": checks,
        "tables": counted.tables,
        "analysis": counted.analysis,
    })))
}
