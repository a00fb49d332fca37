//! Reading the live schema and applying a migration plan
//! ([`crate::migrate`]) on a connection.

use tokio_postgres::{GenericClient, Row};

use super::error::WarehouseError;
use super::ownership::Ownership;
use super::{Warehouse, WriteBatch};
use crate::catalog::Schema;
use crate::migrate::catalog::{self, Scope};
use crate::migrate::live::{assemble, redshift_columns, redshift_tables};
use crate::migrate::live::{ColumnDef, ColumnDetail, GrantRow};
use crate::migrate::{plan, ColumnRow, LiveTable, Plan, TableRow};
use crate::sql::registry;
use crate::sql::Dialect;

const READING: &str = "reading the live schema of the declared tables";

async fn rows(client: &impl GenericClient, sql: &str) -> Result<Vec<Row>, WarehouseError> {
    client
        .query(sql, &[])
        .await
        .map_err(WarehouseError::sql(READING))
}

/// The declared tables that exist, as the catalog describes them.
async fn read_live(
    client: &impl GenericClient,
    schema: &Schema,
    dialect: Dialect,
) -> Result<Vec<LiveTable>, WarehouseError> {
    let owned = crate::migrate::live_names(schema);
    let names: Vec<&str> = owned.iter().map(String::as_str).collect();
    match dialect {
        Dialect::Postgres => read_postgres(client, &names).await,
        Dialect::Redshift => {
            let mut live = read_redshift(client, &names).await?;
            read_identity_highs(client, schema, &mut live).await?;
            Ok(live)
        }
    }
}

async fn read_postgres(
    client: &impl GenericClient,
    names: &[&str],
) -> Result<Vec<LiveTable>, WarehouseError> {
    let tables: Vec<TableRow> = rows(client, &catalog::tables_query(names))
        .await?
        .iter()
        .map(|r| TableRow {
            table: r.get(0),
            diststyle: r.get(1),
            remarks: r.get(2),
        })
        .collect();
    if tables.is_empty() {
        return Ok(Vec::new());
    }
    let columns: Vec<ColumnRow> = rows(client, &catalog::columns_query(names))
        .await?
        .iter()
        .map(|r| ColumnRow::new(column_def(r), r.get(7), r.get(8)))
        .collect();
    let grants = grant_rows(rows(client, &catalog::grants_query(names)).await?);
    Ok(assemble(&tables, &columns, &grants, Dialect::Postgres))
}

/// A column's definition from the first seven columns of a catalog row:
/// `table, column, data_type, is_nullable, encoding, distkey, sortkey`, as
/// both the PostgreSQL columns query and Redshift's PG_TABLE_DEF one give
/// them.
fn column_def(r: &Row) -> ColumnDef {
    ColumnDef {
        table: r.get(0),
        column: r.get(1),
        data_type: r.get(2),
        is_nullable: r.get(3),
        encoding: r.get(4),
        distkey: r.get(5),
        sortkey: r.get(6),
    }
}

/// Two-column rows as pairs.
fn pairs<A, B>(rows: Vec<Row>) -> Vec<(A, B)>
where
    A: for<'a> tokio_postgres::types::FromSql<'a>,
    B: for<'a> tokio_postgres::types::FromSql<'a>,
{
    rows.iter().map(|r| (r.get(0), r.get(1))).collect()
}

fn grant_rows(rows: Vec<Row>) -> Vec<GrantRow> {
    rows.iter()
        .map(|r| GrantRow {
            table: r.get(0),
            grantee: r.get(1),
            privilege: r.get(2),
        })
        .collect()
}

/// Redshift: the scope alone first, then each catalog query on its own
/// (leader-node catalogs apart from system views), joined here; see
/// [`catalog::RedshiftQueries`].
async fn read_redshift(
    client: &impl GenericClient,
    names: &[&str],
) -> Result<Vec<LiveTable>, WarehouseError> {
    let Some(scope) = read_scope(client).await? else {
        return Ok(Vec::new());
    };
    let queries = catalog::redshift_queries(names, &scope);
    let dist: Vec<(String, Option<i32>)> = pairs(rows(client, &queries.distribution).await?);
    if dist.is_empty() {
        return Ok(Vec::new());
    }
    let remarks: Vec<(String, Option<String>)> = pairs(rows(client, &queries.table_remarks).await?);
    let defs: Vec<ColumnDef> = rows(client, &queries.column_defs)
        .await?
        .iter()
        .map(column_def)
        .collect();
    let details: Vec<ColumnDetail> = rows(client, &queries.column_details)
        .await?
        .iter()
        .map(|r| ColumnDetail {
            table: r.get(0),
            column: r.get(1),
            ordinal: r.get(2),
            column_default: r.get(3),
            remarks: r.get(4),
        })
        .collect();
    let grants = grant_rows(rows(client, &queries.grants).await?);
    let tables = redshift_tables(&dist, &remarks);
    let columns = redshift_columns(&defs, &details);
    Ok(assemble(&tables, &columns, &grants, Dialect::Redshift))
}

/// `current_schema()` and `current_database()`, in a statement of their
/// own; `None` without a current schema (a search_path naming no existing
/// schema), where no table can be found, as the PostgreSQL queries find
/// none comparing with its NULL.
async fn read_scope(client: &impl GenericClient) -> Result<Option<Scope>, WarehouseError> {
    let row = client
        .query_one(catalog::scope_query(), &[])
        .await
        .map_err(WarehouseError::sql(READING))?;
    let schema: Option<String> = row.get(0);
    let database: String = row.get(1);
    Ok(schema.map(|schema| Scope {
        schema: schema.trim().to_owned(),
        database: database.trim().to_owned(),
    }))
}

/// The largest key of each declared IDENTITY column found live: a Redshift
/// deep copy keeps the keys and seeds past them ([`LiveColumn::high`]).
///
/// [`LiveColumn::high`]: crate::migrate::LiveColumn::high
async fn read_identity_highs(
    client: &impl GenericClient,
    schema: &Schema,
    live: &mut [LiveTable],
) -> Result<(), WarehouseError> {
    for table in live.iter_mut() {
        let Some(declared) = schema.table(&table.name) else {
            continue;
        };
        for column in declared.columns.iter().filter(|c| c.identity) {
            let Some(found) = table.columns.iter_mut().find(|c| c.name == column.name) else {
                continue;
            };
            let sql = crate::migrate::high_query(&table.name, column.name);
            let row = client
                .query_one(&sql, &[])
                .await
                .map_err(WarehouseError::sql("reading the largest IDENTITY key"))?;
            found.high = row.get(0);
        }
    }
    Ok(())
}

impl Warehouse {
    /// The declared tables that exist, read from the catalog.
    pub async fn live_tables(&self, schema: &Schema) -> Result<Vec<LiveTable>, WarehouseError> {
        read_live(self.client(), schema, self.dialect()).await
    }

    /// What `dwh migrate` would do: the difference of the live tables from
    /// `schema`, and the statements that close it. Reads only.
    pub async fn plan(&self, schema: &Schema) -> Result<Plan, WarehouseError> {
        let live = self.live_tables(schema).await?;
        Ok(plan(schema, &live, self.dialect()))
    }

    /// Runs the steps of `plan` that cannot run inside a transaction
    /// (Redshift's ALTER COLUMN TYPE, DISTSTYLE, SORTKEY, ENCODE), one by
    /// one and in order, after [`WriteBatch::migrate`] committed the rest.
    /// A failure stops at that step; the steps before it stay done, and
    /// `dwh plan` shows what is left.
    pub async fn migrate_outside(&self, plan: &Plan) -> Result<usize, WarehouseError> {
        run_steps(self.client(), plan, false).await
    }
}

impl WriteBatch<'_> {
    /// The plan, read inside this transaction (after its lock).
    pub async fn plan(&self, schema: &Schema) -> Result<Plan, WarehouseError> {
        let live = read_live(&self.transaction, schema, self.dialect).await?;
        Ok(plan(schema, &live, self.dialect))
    }

    /// Runs the in-transaction steps of `plan`, after the ownership check
    /// (dwh alters only its own tables) and with the registry present (a
    /// created table is registered); the steps run.
    pub async fn migrate(&self, schema: &Schema, plan: &Plan) -> Result<usize, WarehouseError> {
        Ownership::read(&self.transaction, schema, self.dialect)
            .await?
            .check()?;
        self.transaction
            .batch_execute(&registry::create_registry())
            .await
            .map_err(WarehouseError::sql("creating table `dwh_registry`"))?;
        run_steps(&self.transaction, plan, true).await
    }
}

/// Runs the steps of `plan` that run inside the transaction, or those that
/// run outside it, in order; how many ran.
async fn run_steps(
    client: &impl GenericClient,
    plan: &Plan,
    in_transaction: bool,
) -> Result<usize, WarehouseError> {
    let mut done = 0;
    for (table, step) in plan
        .steps()
        .filter(|(_, s)| s.in_transaction == in_transaction)
    {
        tracing::debug!(table, sql = %step.sql, in_transaction, "migrating");
        client
            .batch_execute(&step.sql)
            .await
            .map_err(WarehouseError::sql(format!(
                "migrating table `{table}` ({})",
                step.sql
            )))?;
        done += 1;
    }
    Ok(done)
}
