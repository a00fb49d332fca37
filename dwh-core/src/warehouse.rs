//! A connection to a warehouse (Redshift or the local PostgreSQL) and the
//! operations a pipeline runs on it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, NoTls};

use crate::catalog::Schema;
use crate::load::{copy_staging, LoadError, LoadOptions, LoadProgress, Source, StagingReport};
use crate::row::{FromRow, RowError};
use crate::schema::Table;
use crate::sql::{self, Dialect, IfNotExists};

#[derive(Debug, thiserror::Error)]
pub enum WarehouseError {
    #[error("cannot connect to {url}: {source}")]
    Connect {
        url: String,
        source: tokio_postgres::Error,
    },
    #[error("{context}: {source}")]
    Sql {
        context: String,
        source: tokio_postgres::Error,
    },
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error("query result does not fit `{rust_type}`: {source}")]
    Row {
        rust_type: &'static str,
        source: RowError,
    },
}

impl WarehouseError {
    fn sql(context: impl Into<String>) -> impl FnOnce(tokio_postgres::Error) -> WarehouseError {
        let context = context.into();
        move |source| WarehouseError::Sql { context, source }
    }
}

/// A connection string with any password replaced, safe to print.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((userinfo, host)) = rest.rsplit_once('@') else {
        return url.to_owned();
    };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

/// How one table's transform went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TransformReport {
    pub table: &'static str,
    pub rows_before: u64,
    pub rows_after: u64,
    #[serde(serialize_with = "crate::report::millis")]
    pub duration: Duration,
}

pub struct Warehouse {
    client: Client,
    dialect: Dialect,
}

impl Warehouse {
    /// Connects to `url` (a `postgresql://` connection string).
    pub async fn connect(url: &str, dialect: Dialect) -> Result<Warehouse, WarehouseError> {
        let (client, connection) = tokio_postgres::connect(url, NoTls)
            .await
            .map_err(|source| WarehouseError::Connect {
                url: redact_url(url),
                source,
            })?;
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::warn!("warehouse connection closed: {e}");
            }
        });
        Ok(Warehouse { client, dialect })
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Creates every table of `schema` that does not exist yet.
    pub async fn create_tables(&self, schema: &Schema) -> Result<(), WarehouseError> {
        for table in schema.tables() {
            let ddl = sql::create_table(table, self.dialect, IfNotExists::Yes);
            self.client
                .batch_execute(&ddl)
                .await
                .map_err(WarehouseError::sql(format!(
                    "creating table `{}`",
                    table.name
                )))?;
        }
        Ok(())
    }

    /// Drops every table of `schema`, facts first.
    pub async fn drop_tables(&self, schema: &Schema) -> Result<(), WarehouseError> {
        for table in schema.tables().iter().rev() {
            self.client
                .batch_execute(&sql::drop_table(table))
                .await
                .map_err(WarehouseError::sql(format!(
                    "dropping table `{}`",
                    table.name
                )))?;
        }
        Ok(())
    }

    /// Replaces the contents of staging tables with their sources, all in one
    /// transaction: on any error no staging table changes.
    pub async fn load_staging(
        &mut self,
        loads: &[(&'static Table, Arc<dyn Source>)],
        options: &LoadOptions,
        progress: &[Arc<LoadProgress>],
    ) -> Result<Vec<StagingReport>, WarehouseError> {
        let transaction = self
            .client
            .transaction()
            .await
            .map_err(WarehouseError::sql("starting the staging load"))?;
        let mut reports = Vec::with_capacity(loads.len());
        for (i, (table, source)) in loads.iter().enumerate() {
            let progress = progress.get(i).cloned().unwrap_or_default();
            let options = LoadOptions {
                rejects: options
                    .rejects
                    .as_ref()
                    .map(|p| rejects_path(p, table.name)),
                ..options.clone()
            };
            reports.push(
                copy_staging(&transaction, table, Arc::clone(source), &options, progress).await?,
            );
            analyze(&transaction, table).await?;
        }
        transaction
            .commit()
            .await
            .map_err(WarehouseError::sql("committing the staging load"))?;
        Ok(reports)
    }

    /// Loads dimensions, then facts, from staging in one transaction.
    pub async fn transform(
        &mut self,
        schema: &Schema,
    ) -> Result<Vec<TransformReport>, WarehouseError> {
        let dialect = self.dialect;
        let transaction = self
            .client
            .transaction()
            .await
            .map_err(WarehouseError::sql("starting the transform"))?;
        let mut reports = Vec::new();
        for table in schema.transform_order() {
            let Some(load) = sql::load_statements(table, dialect) else {
                continue;
            };
            let started = Instant::now();
            let rows_before = count(&transaction, table).await?;
            for statement in &load.statements {
                transaction
                    .batch_execute(statement)
                    .await
                    .map_err(WarehouseError::sql(format!("loading `{}`", table.name)))?;
            }
            // Fresh statistics let the next loads plan hash joins, not
            // nested loops over tables the planner thinks are empty.
            analyze(&transaction, table).await?;
            let rows_after = count(&transaction, table).await?;
            reports.push(TransformReport {
                table: table.name,
                rows_before,
                rows_after,
                duration: started.elapsed(),
            });
        }
        transaction
            .commit()
            .await
            .map_err(WarehouseError::sql("committing the transform"))?;
        Ok(reports)
    }

    /// Rows in `table`.
    pub async fn row_count(&self, table: &Table) -> Result<u64, WarehouseError> {
        count(&self.client, table).await
    }

    /// Runs a query and reads every row as `T`.
    pub async fn query_as<T: FromRow>(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<T>, WarehouseError> {
        let rows = self
            .client
            .query(sql, params)
            .await
            .map_err(WarehouseError::sql(format!(
                "query for `{}`",
                std::any::type_name::<T>()
            )))?;
        rows.iter()
            .map(|row| {
                T::from_row(row).map_err(|source| WarehouseError::Row {
                    rust_type: std::any::type_name::<T>(),
                    source,
                })
            })
            .collect()
    }
}

/// `rejects.jsonl` → `rejects.staging_events.jsonl`: one file per table.
fn rejects_path(path: &std::path::Path, table: &str) -> std::path::PathBuf {
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("rejects");
    let ext = path.extension().and_then(|s| s.to_str()).unwrap_or("jsonl");
    path.with_file_name(format!("{stem}.{table}.{ext}"))
}

async fn analyze(
    client: &impl tokio_postgres::GenericClient,
    table: &Table,
) -> Result<(), WarehouseError> {
    client
        .batch_execute(&format!("ANALYZE {}", sql::quote_ident(table.name)))
        .await
        .map_err(WarehouseError::sql(format!("analyzing `{}`", table.name)))
}

async fn count(
    client: &impl tokio_postgres::GenericClient,
    table: &Table,
) -> Result<u64, WarehouseError> {
    let sql = format!("SELECT COUNT(*) FROM {}", sql::quote_ident(table.name));
    let row = client
        .query_one(&sql, &[])
        .await
        .map_err(WarehouseError::sql(format!("counting `{}`", table.name)))?;
    Ok(row.get::<_, i64>(0) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact_url("postgresql://u:s3cret@h:5439/db"),
            "postgresql://u:***@h:5439/db"
        );
        assert_eq!(redact_url("postgresql://u@h/db"), "postgresql://u@h/db");
    }
}
