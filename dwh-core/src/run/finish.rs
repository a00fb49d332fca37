//! After the commit: the checks of what the run loaded, every table's
//! rows, and the run's record in the warehouse's run log.

use crate::checks::{self, Scope};
use crate::pipeline;
use crate::progress::Progress;
use crate::project::Project;
use crate::report::RunReport;
use crate::sql::runs::{RunRecord, StepStatus};
use crate::warehouse::{Warehouse, WarehouseError};

/// Runs the project's checks over the rows `scope` says (after a run:
/// [`Scope::Appended`]), into `report`.
pub(super) async fn checks(
    warehouse: &Warehouse,
    project: &Project,
    scope: Scope<'_>,
    report: &mut RunReport,
    progress: &mut dyn Progress,
) -> Result<(), WarehouseError> {
    let queries = project.check_queries(checks::EXAMPLES);
    report.checks = pipeline::check(warehouse, &queries, scope, progress).await?;
    progress.checked(&report.checks);
    Ok(())
}

/// Every table's rows at the end of the run. A star-schema table the run
/// loaded has them counted already, in its transaction (`rows_after`):
/// counting a large fact again would cost a scan of it.
pub async fn count_tables(
    warehouse: &Warehouse,
    project: &Project,
    report: &mut RunReport,
) -> Result<(), WarehouseError> {
    for table in project.schema().tables() {
        let counted = report
            .transform
            .iter()
            .find(|t| t.table == table.name)
            .map(|t| t.rows_after);
        let rows = match counted {
            Some(rows) => rows,
            None => warehouse.row_count(table).await?,
        };
        report.tables.insert(table.name.to_owned(), rows);
    }
    Ok(())
}

/// Records the run in the warehouse's run log. A run log that cannot be
/// written (a foreign `dwh_runs`, no INSERT grant) costs the run nothing:
/// it is said, and the run's outcome stands.
pub(super) async fn log(
    warehouse: &Warehouse,
    project: &Project,
    report: &RunReport,
    progress: &mut dyn Progress,
) {
    let status = match report.failed() {
        true => StepStatus::Failed,
        false => StepStatus::Ok,
    };
    let run = RunRecord::finished_now(project.name(), status, report.steps.clone());
    if let Err(e) = warehouse.record_run(&run).await {
        progress.note(&format!(
            "! the run was not recorded in the warehouse ({e}); `dwh docs` will not show it"
        ));
    }
}
