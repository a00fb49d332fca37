//! Writing and reading the run log (see [`crate::sql::runs`]).

use std::time::Duration;

use super::{Warehouse, WarehouseError};
use crate::sql::registry::existing_relations;
use crate::sql::runs::{self, RunRecord, StepRecord, StepStatus, RUNS};

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
                status: StepStatus::from_logged(row.get(3)),
                rows: row.get::<_, Option<i64>>(4).map(|n| n.max(0) as u64),
                // Written with three decimals of a millisecond.
                duration: Duration::from_micros((row.get::<_, f64>(5) * 1000.0).round() as u64),
                error: row.get(6),
            })
            .collect();
        Ok(Some(RunRecord {
            project: project.to_owned(),
            run_at: first.get(0),
            status: StepStatus::from_logged(first.get(1)),
            steps,
        }))
    }
}
