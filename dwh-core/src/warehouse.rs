//! A connection to a warehouse (Redshift or the local PostgreSQL) and the
//! operations a pipeline runs on it.
//!
//! Writes happen in transactions: [`Warehouse::begin`] opens a
//! [`WriteBatch`] whose steps (create tables, load staging, transform) all
//! take effect at [`WriteBatch::commit`], or not at all when it is dropped,
//! fails, or the process dies (the server rolls back the transaction of a
//! connection that ends). [`Warehouse::lock`] keeps a second writer out.

mod error;
pub mod ledger;
mod lock;
mod migrate;
mod ownership;
mod redact;
mod runs;

use std::time::Duration;

use serde::Serialize;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Config, NoTls, Transaction};

pub use error::WarehouseError;
pub use lock::LockHolder;
pub use ownership::check_owned;
pub use redact::redact_url;

use crate::catalog::Schema;
use crate::load::testpoint;
use crate::row::FromRow;
use crate::schema::{Table, TableKind};
use crate::sql::registry::{self, Origin};
use crate::sql::{self, Dialect, IfNotExists};
use ownership::Ownership;

/// How one table's transform went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TransformReport {
    /// The table filled.
    pub table: &'static str,
    /// Its rows before the load.
    pub rows_before: u64,
    /// Its rows after the load.
    pub rows_after: u64,
    /// Rows the load's statements inserted or updated (their counts): more
    /// than `rows_after - rows_before` when it changed rows it had before
    /// (a fact's late matches, a dimension's new values).
    pub rows_changed: u64,
    /// Whether the run analyzed it after the load (see
    /// [`Action::AnalyzeChanged`](crate::sql::run::Action::AnalyzeChanged)).
    pub analyzed: bool,
    #[serde(serialize_with = "crate::sql::runs::millis")]
    /// How long the load took.
    pub duration: Duration,
}

/// A connection to a warehouse (Redshift or PostgreSQL) with the dialect to render SQL for: creates, loads, checks and queries the declared tables.
pub struct Warehouse {
    client: Client,
    dialect: Dialect,
}

impl Warehouse {
    /// Connects to `url` (a `postgresql://` connection string). Errors name
    /// the URL with its password redacted.
    pub async fn connect(url: &str, dialect: Dialect) -> Result<Warehouse, WarehouseError> {
        let connect_error = |source| WarehouseError::Connect {
            url: redact_url(url),
            source,
        };
        let mut config: Config = url.parse().map_err(connect_error)?;
        if config.get_application_name().is_none() {
            // Names dwh's sessions in pg_stat_activity and lock messages.
            config.application_name("dwh");
        }
        tracing::debug!(url = %redact_url(url), ?dialect, "connecting");
        let (client, connection) = config.connect(NoTls).await.map_err(connect_error)?;
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::warn!("warehouse connection closed: {e}");
            }
        });
        if dialect == Dialect::Postgres {
            // PostgreSQL 14+: a session whose client died (killed dwh)
            // stops its statement within a second instead of running it to
            // the end holding locks. Older servers lack the setting: fine.
            let _ = client
                .batch_execute("SET client_connection_check_interval = 1000")
                .await;
        }
        Ok(Warehouse { client, dialect })
    }

    /// Wraps a connection made elsewhere, e.g. the CLI's TLS connection to
    /// Redshift, so dwh-core needs no TLS or AWS crates. The caller drives
    /// the connection future.
    pub fn from_client(client: Client, dialect: Dialect) -> Warehouse {
        Warehouse { client, dialect }
    }

    /// The dialect this warehouse's SQL is rendered in.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// The underlying connection, for statements dwh does not render.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The connection, to open a transaction on it.
    pub(crate) fn client_mut(&mut self) -> &mut Client {
        &mut self.client
    }

    /// Takes the run lock of this warehouse (see the `lock` module docs),
    /// held until [`Warehouse::unlock`] or the connection ends. When
    /// another run holds it: waits if `wait`, else fails with
    /// [`WarehouseError::Busy`] naming the holder. Use
    /// [`Warehouse::try_lock`] first to tell a user that you wait.
    pub async fn lock(&self, wait: bool) -> Result<(), WarehouseError> {
        if self.try_lock().await? {
            return Ok(());
        }
        if !wait {
            return Err(self.busy().await);
        }
        lock::lock(&self.client)
            .await
            .map_err(WarehouseError::sql("waiting for the run lock"))
    }

    /// Takes the run lock if it is free; false if another run holds it.
    pub async fn try_lock(&self) -> Result<bool, WarehouseError> {
        if self.dialect == Dialect::Redshift {
            return Err(WarehouseError::LockUnsupported);
        }
        lock::try_lock(&self.client)
            .await
            .map_err(WarehouseError::sql("taking the run lock"))
    }

    /// Releases the run lock (ending the connection does too).
    pub async fn unlock(&self) -> Result<(), WarehouseError> {
        lock::unlock(&self.client)
            .await
            .map_err(WarehouseError::sql("releasing the run lock"))
    }

    /// The session holding the run lock, if any.
    pub async fn lock_holder(&self) -> Result<Option<LockHolder>, WarehouseError> {
        lock::holder(&self.client)
            .await
            .map_err(WarehouseError::sql("looking up the holder of the run lock"))
    }

    /// The name of the database connected to.
    pub async fn database(&self) -> Result<String, WarehouseError> {
        self.client
            .query_one("SELECT current_database()::varchar", &[])
            .await
            .map(|row| row.get(0))
            .map_err(WarehouseError::sql("reading the database name"))
    }

    async fn busy(&self) -> WarehouseError {
        let database = self.database().await.unwrap_or_else(|_| "?".to_owned());
        WarehouseError::Busy {
            database,
            holder: self.lock_holder().await.ok().flatten(),
        }
    }

    /// Opens a write transaction. On Redshift, which has no advisory
    /// locks, the registry is created first, committed on its own, and the
    /// transaction's first statement is the run lock (`LOCK dwh_registry`):
    /// a second run waits there until this transaction ends, and takes its
    /// snapshot only once it holds the lock
    /// ([`registry::before_redshift_transaction`]).
    pub async fn begin(&mut self) -> Result<WriteBatch<'_>, WarehouseError> {
        let dialect = self.dialect;
        if dialect == Dialect::Redshift {
            before_transaction(&self.client).await?;
        }
        let transaction = self
            .client
            .transaction()
            .await
            .map_err(WarehouseError::sql("starting a transaction"))?;
        if dialect == Dialect::Redshift {
            lock_run(&transaction).await?;
        }
        Ok(WriteBatch {
            transaction,
            dialect,
        })
    }

    /// Creates every table of `schema` that does not exist yet and
    /// registers it as dwh's; fails with [`WarehouseError::NotOwned`],
    /// before any change, when a declared table exists but is not dwh's.
    /// Statement by statement: [`WriteBatch::create_tables`] is atomic.
    pub async fn create_tables(&self, schema: &Schema) -> Result<(), WarehouseError> {
        create_tables(&self.client, schema, self.dialect, false)
            .await
            .map(drop)
    }

    /// The tables dwh would drop: the declared tables that exist and are
    /// registered, in the schema's order. Fails with
    /// [`WarehouseError::NotOwned`] when a declared table is not dwh's.
    pub async fn owned_tables(&self, schema: &Schema) -> Result<Vec<&'static str>, WarehouseError> {
        let ownership = Ownership::read(&self.client, schema, self.dialect).await?;
        ownership.check()?;
        Ok(ownership.owned(schema))
    }

    /// Drops the tables of `schema` that are dwh's, facts first, and
    /// unregisters them; the tables dropped. Refuses, before any change,
    /// when a declared table exists but is not dwh's. Statement by
    /// statement: [`WriteBatch::drop_own_tables`] is atomic.
    pub async fn drop_tables(&self, schema: &Schema) -> Result<Vec<&'static str>, WarehouseError> {
        drop_own_tables(&self.client, schema, self.dialect).await
    }

    /// Rows in `table`.
    pub async fn row_count(&self, table: &Table) -> Result<u64, WarehouseError> {
        count(&self.client, table).await
    }

    /// Runs a query and reads every row as `T`.
    ///
    /// `T` is usually a struct with `#[derive(Row)]`: each field is read
    /// from the result column of its name (or `#[dwh(column = "…")]`), so
    /// the column order does not matter. A missing column, or a SQL type
    /// that does not decode into the field's type, fails with
    /// [`WarehouseError::Row`] naming the column and the Rust type.
    ///
    /// ```no_run
    /// use dwh_core::sql::Dialect;
    /// use dwh_core::{Row, Warehouse};
    ///
    /// #[derive(Debug, Row)]
    /// struct TopUser {
    ///     user_id: i32,
    ///     first_name: Option<String>,
    ///     #[dwh(column = "play_count")]
    ///     plays: i64,
    /// }
    ///
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), dwh_core::WarehouseError> {
    /// let warehouse = Warehouse::connect(
    ///     "postgresql://dwh@127.0.0.1:5432/dwh",
    ///     Dialect::Postgres,
    /// )
    /// .await?;
    /// let limit: i64 = 5;
    /// let top: Vec<TopUser> = warehouse
    ///     .query_as(
    ///         "SELECT u.user_id, u.first_name, COUNT(*) AS play_count \
    ///          FROM songplays sp JOIN users u ON u.user_id = sp.user_id AND u.is_current \
    ///          GROUP BY u.user_id, u.first_name \
    ///          ORDER BY play_count DESC, u.user_id LIMIT $1",
    ///         &[&limit],
    ///     )
    ///     .await?;
    /// for user in &top {
    ///     println!("{} {:?}: {}", user.user_id, user.first_name, user.plays);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn query_as<T: FromRow>(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<T>, WarehouseError> {
        tracing::debug!(rust_type = std::any::type_name::<T>(), "typed query");
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

/// Writing steps in one transaction: they all take effect at
/// [`WriteBatch::commit`], or none does. Dropping the batch (an error, or
/// Ctrl-C) rolls it back, and so does the server when the connection ends
/// (dwh killed, network gone).
///
/// On Redshift, `TRUNCATE` commits the open transaction; a Redshift load
/// path must empty staging with `DELETE` to keep this guarantee.
pub struct WriteBatch<'a> {
    transaction: Transaction<'a>,
    dialect: Dialect,
}

impl WriteBatch<'_> {
    /// Creates every table of `schema` that does not exist yet and
    /// registers it as dwh's. Fails with [`WarehouseError::NotOwned`],
    /// before any change, when a declared table exists but is not dwh's.
    pub async fn create_tables(&self, schema: &Schema) -> Result<(), WarehouseError> {
        create_tables(&self.transaction, schema, self.dialect, false)
            .await
            .map(drop)
    }

    /// As [`WriteBatch::create_tables`], but first takes over the declared
    /// tables that exist unregistered (a warehouse of a dwh release from
    /// before the registry) when their columns are the declared ones;
    /// the tables adopted.
    pub async fn adopt_tables(&self, schema: &Schema) -> Result<Vec<&'static str>, WarehouseError> {
        create_tables(&self.transaction, schema, self.dialect, true).await
    }

    /// Fails with [`WarehouseError::NotOwned`] when a declared table exists
    /// but is not dwh's: the check of a step that writes to existing tables.
    pub async fn check_owned(&self, schema: &Schema) -> Result<(), WarehouseError> {
        Ownership::read(&self.transaction, schema, self.dialect)
            .await?
            .check()
    }

    /// Drops dwh's own tables of `schema` and unregisters them (refusing,
    /// before any change, when one is not dwh's); the tables dropped.
    pub async fn drop_own_tables(
        &self,
        schema: &Schema,
    ) -> Result<Vec<&'static str>, WarehouseError> {
        drop_own_tables(&self.transaction, schema, self.dialect).await
    }

    /// Makes every step of the batch take effect.
    pub async fn commit(self) -> Result<(), WarehouseError> {
        testpoint::pause("commit", None).await;
        self.transaction
            .commit()
            .await
            .map_err(WarehouseError::sql("committing"))
    }
}

/// What Redshift runs before `BEGIN`, each statement committed on its
/// own: the registry, created if missing
/// ([`registry::before_redshift_transaction`]).
async fn before_transaction(client: &Client) -> Result<(), WarehouseError> {
    for sql in registry::before_redshift_transaction() {
        client
            .batch_execute(&sql)
            .await
            .map_err(WarehouseError::sql("creating table `dwh_registry`"))?;
    }
    Ok(())
}

/// The run lock on Redshift, the transaction's first statement:
/// `LOCK dwh_registry` (see [`registry::lock_registry`]).
async fn lock_run(client: &impl tokio_postgres::GenericClient) -> Result<(), WarehouseError> {
    tracing::debug!("taking the run lock (LOCK dwh_registry)");
    client
        .batch_execute(&registry::lock_registry())
        .await
        .map_err(WarehouseError::sql(
            "waiting for the run lock (LOCK dwh_registry)",
        ))
}

/// dwh's own tables, where missing: the registry, the load ledger, the
/// kept row counts.
async fn create_bookkeeping(
    client: &impl tokio_postgres::GenericClient,
) -> Result<(), WarehouseError> {
    let tables = [
        (registry::create_registry(), "creating table `dwh_registry`"),
        (sql::ledger::create_ledger(), "creating the load ledger"),
        (
            sql::row_counts::create_row_counts(),
            "creating table `dwh_row_counts`",
        ),
    ];
    for (sql, doing) in tables {
        client
            .batch_execute(&sql)
            .await
            .map_err(WarehouseError::sql(doing))?;
    }
    Ok(())
}

/// Checks ownership (or adopts, with `adopt`), then creates what is
/// missing and registers it; the tables adopted.
async fn create_tables(
    client: &impl tokio_postgres::GenericClient,
    schema: &Schema,
    dialect: Dialect,
    adopt: bool,
) -> Result<Vec<&'static str>, WarehouseError> {
    let ownership = Ownership::read(client, schema, dialect).await?;
    if !adopt {
        ownership.check()?;
    }
    create_bookkeeping(client).await?;
    let adopted = if adopt {
        ownership::adopt(client, schema, dialect, &ownership).await?
    } else {
        Vec::new()
    };
    for table in schema.tables() {
        let context = || format!("creating table `{}`", table.name);
        if !ownership.exists(table.name) {
            let ddl = sql::create_table(table, dialect, IfNotExists::No);
            tracing::debug!(table = table.name, "creating table");
            client
                .batch_execute(&ddl)
                .await
                .map_err(WarehouseError::sql(context()))?;
            for comment in sql::comment_statements(table, dialect) {
                client
                    .batch_execute(&comment)
                    .await
                    .map_err(WarehouseError::sql(context()))?;
            }
            if !ownership.is_registered(table.name) {
                client
                    .batch_execute(&registry::register(table.name, Origin::Created, dialect))
                    .await
                    .map_err(WarehouseError::sql(context()))?;
            }
        }
        if dialect == Dialect::Postgres && table.kind == TableKind::Staging {
            make_logged(client, table).await?;
        }
        if let Some(create) = sql::unmatched::create(table, dialect) {
            client
                .batch_execute(&create)
                .await
                .map_err(WarehouseError::sql(context()))?;
        }
    }
    Ok(adopted)
}

/// Drops the registered tables of `schema`, facts first, and unregisters
/// them, after checking that every declared table present is dwh's.
async fn drop_own_tables(
    client: &impl tokio_postgres::GenericClient,
    schema: &Schema,
    dialect: Dialect,
) -> Result<Vec<&'static str>, WarehouseError> {
    let ownership = Ownership::read(client, schema, dialect).await?;
    ownership.check()?;
    let mut dropped = Vec::new();
    for table in schema.tables().iter().rev() {
        if !ownership.is_registered(table.name) {
            continue;
        }
        let context = || format!("dropping table `{}`", table.name);
        if ownership.exists(table.name) {
            client
                .batch_execute(&sql::drop_table(table))
                .await
                .map_err(WarehouseError::sql(context()))?;
            dropped.push(table.name);
        }
        client
            .batch_execute(&registry::unregister(table.name, dialect))
            .await
            .map_err(WarehouseError::sql(context()))?;
    }
    ledger::forget_with_tables(client, schema).await?;
    dropped.reverse();
    Ok(dropped)
}

/// Staging tables made by earlier versions of dwh are UNLOGGED, which a
/// server crash mid-load can leave unrecoverable (see
/// [`sql::create_table`]); they become ordinary tables.
async fn make_logged(
    client: &impl tokio_postgres::GenericClient,
    table: &Table,
) -> Result<(), WarehouseError> {
    let context = format!("making table `{}` crash-safe (logged)", table.name);
    client
        .batch_execute(&sql::ddl::make_logged(table))
        .await
        .map_err(WarehouseError::sql(context))
}

/// `rejects.jsonl` → `rejects.staging_events.jsonl`: one file per table.
pub(crate) fn rejects_path(path: &std::path::Path, table: &str) -> std::path::PathBuf {
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("rejects");
    let ext = path.extension().and_then(|s| s.to_str()).unwrap_or("jsonl");
    path.with_file_name(format!("{stem}.{table}.{ext}"))
}

async fn count(
    client: &impl tokio_postgres::GenericClient,
    table: &Table,
) -> Result<u64, WarehouseError> {
    let row = client
        .query_one(&sql::count_rows(table), &[])
        .await
        .map_err(WarehouseError::sql(format!("counting `{}`", table.name)))?;
    Ok(row.get::<_, i64>(0) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_files_are_per_table() {
        assert_eq!(
            rejects_path(std::path::Path::new("out/rejects.jsonl"), "staging_events"),
            std::path::Path::new("out/rejects.staging_events.jsonl")
        );
        assert_eq!(
            rejects_path(std::path::Path::new("bad"), "t"),
            std::path::Path::new("bad.t.jsonl")
        );
    }
}
