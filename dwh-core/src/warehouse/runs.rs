//! Writing and reading the run log (see [`crate::sql::runs`]).

use super::{Warehouse, WarehouseError};
use crate::sql::registry::existing_relations;
use crate::sql::runs::{self, RunRecord, StepRecord, RUNS};

impl Warehouse {
    /// Appends `run` to the run log, creating the log on first use. Each
    /// statement commits on its own: the log describes runs, it is not
    /// part of any.
    pub async fn record_run(&self, run: &RunRecord) -> Result<(), WarehouseError> {
        let Some(insert) = runs::record_run(run, self.dialect) else {
            return Ok(());
        };
        let context = "recording the run in dwh_runs";
        self.client
            .batch_execute(&runs::create_runs())
            .await
            .map_err(WarehouseError::sql(context))?;
        self.client
            .batch_execute(&insert)
            .await
            .map_err(WarehouseError::sql(context))
    }

    /// The last run of `project` the log holds; `None` when there is no
    /// log or no run of it.
    pub async fn last_run(&self, project: &str) -> Result<Option<RunRecord>, WarehouseError> {
        let context = "reading the last run from dwh_runs";
        let exists = !self
            .client
            .query(&existing_relations(&[RUNS], self.dialect), &[])
            .await
            .map_err(WarehouseError::sql(context))?
            .is_empty();
        if !exists {
            return Ok(None);
        }
        let rows = self
            .client
            .query(&runs::last_run(project, self.dialect), &[])
            .await
            .map_err(WarehouseError::sql(context))?;
        let Some(first) = rows.first() else {
            return Ok(None);
        };
        let steps = rows
            .iter()
            .map(|row| StepRecord {
                step: row.get(2),
                status: row.get(3),
                rows: row.get(4),
                duration_ms: row.get(5),
                error: row.get(6),
            })
            .collect();
        Ok(Some(RunRecord {
            project: project.to_owned(),
            run_at: first.get(0),
            status: first.get(1),
            steps,
        }))
    }
}
