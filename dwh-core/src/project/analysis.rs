//! Typed analyses: a titled query whose rows are read into a struct with
//! `#[derive(Row)]`, kept as ordered JSON for printing, reports and charts.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use indexmap::IndexMap;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::row::FromRow;
use crate::sql::Limit;
use crate::warehouse::{Warehouse, WarehouseError};

type RowsFuture<'a> = Pin<Box<dyn Future<Output = Result<Rows, WarehouseError>> + Send + 'a>>;
type Runner = for<'a> fn(&'a Warehouse, String) -> RowsFuture<'a>;
type Render = dyn Fn(Limit) -> String + Send + Sync;

/// Field names and rows of an analysis result, in field order.
type Rows = (Vec<String>, Vec<Vec<Value>>);

/// A typed query with a title. Its SQL takes the `--top` limit as a
/// rendered literal, never a bind parameter, so it means the same on
/// Redshift and the local engine.
#[derive(Clone)]
pub struct Analysis {
    key: &'static str,
    title: &'static str,
    columns: &'static [&'static str],
    sql: Arc<Render>,
    run: Runner,
}

impl fmt::Debug for Analysis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Analysis")
            .field("key", &self.key)
            .field("title", &self.title)
            .finish()
    }
}

/// What an analysis returned: field names and values, in the row type's
/// field order.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalysisResult {
    /// The analysis's key (`top_songs`): names it in the run report.
    pub key: &'static str,
    /// Its title (`Top songs`).
    pub title: &'static str,
    /// The row type's field names, in order.
    pub columns: Vec<String>,
    /// One entry per row, values in `columns` order.
    pub rows: Vec<Vec<Value>>,
}

impl AnalysisResult {
    /// The rows as JSON objects, as the run report stores them.
    pub fn json(&self) -> Value {
        Value::Array(
            self.rows
                .iter()
                .map(|row| {
                    Value::Object(
                        self.columns
                            .iter()
                            .cloned()
                            .zip(row.iter().cloned())
                            .collect(),
                    )
                })
                .collect(),
        )
    }

    /// The result of `analysis` as a run report stored it (`rows` from
    /// [`json`](Self::json)), columns back in field order; `None` when
    /// `rows` is not an array of objects.
    pub fn from_report(analysis: &Analysis, rows: &Value) -> Option<AnalysisResult> {
        let objects: Vec<&serde_json::Map<String, Value>> = rows
            .as_array()?
            .iter()
            .map(Value::as_object)
            .collect::<Option<_>>()?;
        // Declared fields first; a key the row type no longer has (an older
        // report) is kept at the end rather than dropped.
        let present = |c: &str| objects.is_empty() || objects.iter().any(|o| o.contains_key(c));
        let mut columns: Vec<String> = analysis
            .columns
            .iter()
            .filter(|c| present(c))
            .map(|c| (*c).to_owned())
            .collect();
        for key in objects.iter().flat_map(|o| o.keys()) {
            if !columns.contains(key) {
                columns.push(key.clone());
            }
        }
        let rows = objects
            .iter()
            .map(|o| {
                columns
                    .iter()
                    .map(|c| o.get(c).cloned().unwrap_or(Value::Null))
                    .collect()
            })
            .collect();
        Some(AnalysisResult {
            key: analysis.key,
            title: analysis.title,
            columns,
            rows,
        })
    }

    /// The rows read back into `T`, e.g. by a chart that wants them typed.
    pub fn rows_as<T: DeserializeOwned>(&self) -> Result<Vec<T>, serde_json::Error> {
        serde_json::from_value(self.json())
    }
}

impl Analysis {
    /// An analysis keyed `key` (`top_songs`, unique in the project) and
    /// titled `title`, whose SQL `sql(top)` renders; each row is read as `T`.
    pub fn new<T>(
        key: &'static str,
        title: &'static str,
        sql: impl Fn(Limit) -> String + Send + Sync + 'static,
    ) -> Analysis
    where
        T: FromRow + Serialize + Send + 'static,
    {
        Analysis {
            key,
            title,
            columns: T::COLUMNS,
            sql: Arc::new(sql),
            run: |warehouse, sql| Box::pin(run_typed::<T>(warehouse, sql)),
        }
    }

    /// The key naming it in reports.
    pub fn key(&self) -> &'static str {
        self.key
    }

    /// The title shown above its result.
    pub fn title(&self) -> &'static str {
        self.title
    }

    /// The row type's columns, in field order.
    pub fn columns(&self) -> &'static [&'static str] {
        self.columns
    }

    /// Its SQL for `top` ranked rows.
    pub fn sql(&self, top: Limit) -> String {
        (self.sql)(top)
    }

    /// Runs it on `warehouse`.
    pub async fn run(
        &self,
        warehouse: &Warehouse,
        top: Limit,
    ) -> Result<AnalysisResult, WarehouseError> {
        let (columns, rows) = (self.run)(warehouse, self.sql(top)).await?;
        Ok(AnalysisResult {
            key: self.key,
            title: self.title,
            columns,
            rows,
        })
    }
}

async fn run_typed<T: FromRow + Serialize>(
    warehouse: &Warehouse,
    sql: String,
) -> Result<Rows, WarehouseError> {
    let typed: Vec<T> = warehouse.query_as(&sql, &[]).await?;
    let mut columns = Vec::new();
    let mut rows = Vec::with_capacity(typed.len());
    for row in &typed {
        // Through text into an IndexMap: serde_json's own map would sort
        // the fields, and a table reads best in the order declared.
        let ordered: IndexMap<String, Value> = serde_json::to_string(row)
            .and_then(|text| serde_json::from_str(&text))
            .map_err(|e| WarehouseError::Serialize {
                rust_type: std::any::type_name::<T>(),
                message: e.to_string(),
            })?;
        if columns.is_empty() {
            columns = ordered.keys().cloned().collect();
        }
        rows.push(ordered.into_values().collect());
    }
    if columns.is_empty() {
        columns = T::COLUMNS.iter().map(|c| (*c).to_owned()).collect();
    }
    Ok((columns, rows))
}
