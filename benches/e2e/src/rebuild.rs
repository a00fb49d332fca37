//! Target 3's bar: the star schema rebuilt the way dbt builds it, each
//! table by `CREATE TABLE AS` of the hand-written SELECT ([`hand::LOADS`]),
//! two tables at a time on two connections (dbt's `threads: 2`), songplays
//! once the songs and artists it looks up exist. PostgreSQL gives a
//! `CREATE TABLE AS` parallel workers where it gives `INSERT … SELECT`
//! none. No transaction spans the tables: a reader may see some rebuilt and
//! others not, which dwh's one transaction never shows. Its tables must
//! hold as many rows as dwh's, or the comparison is void.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Instant;

use dwh_core::sql::Dialect;
use dwh_core::Warehouse;

use crate::hand;

const SCHEMA: &str = "dwh_bench_rebuild";

/// The `CREATE TABLE AS` of `table` from `select`.
fn create_as(table: &str, select: &str) -> String {
    let select = select.replace(&format!("{}.", hand::SCHEMA), &format!("{SCHEMA}."));
    let columns = hand::columns(table);
    format!("CREATE TABLE {SCHEMA}.\"{table}\" ({columns}) AS {select}")
}

/// Runs the statements of `queue` on `client` until none is left.
async fn drain(
    client: &tokio_postgres::Client,
    queue: &Mutex<VecDeque<String>>,
) -> Result<(), String> {
    loop {
        let next = queue.lock().expect("not poisoned").pop_front();
        let Some(sql) = next else { return Ok(()) };
        client
            .batch_execute(&sql)
            .await
            .map_err(|e| format!("{sql}: {e}"))?;
    }
}

/// Rebuilds the star schema from the staging tables dwh loaded at `url`
/// on two connections (dbt's `threads` in the comparison of issue 28);
/// seconds from the first statement to the last. Fails when a table's row
/// count differs from dwh's.
pub async fn rebuild(url: &str) -> Result<f64, String> {
    let connect = || Warehouse::connect(url, Dialect::Postgres);
    let (one, two) = tokio::try_join!(connect(), connect()).map_err(|e| e.to_string())?;
    let client = one.client();
    let reset = format!("DROP SCHEMA IF EXISTS {SCHEMA} CASCADE; CREATE SCHEMA {SCHEMA};");
    client
        .batch_execute(&reset)
        .await
        .map_err(|e| e.to_string())?;
    let (last, first) = hand::LOADS.split_last().expect("tables to load");
    let queue: Mutex<VecDeque<String>> =
        Mutex::new(first.iter().map(|(t, s)| create_as(t, s)).collect());
    let started = Instant::now();
    tokio::try_join!(drain(one.client(), &queue), drain(two.client(), &queue))?;
    let (table, select) = last;
    client
        .batch_execute(&create_as(table, select))
        .await
        .map_err(|e| e.to_string())?;
    let secs = started.elapsed().as_secs_f64();
    for (table, _) in hand::LOADS {
        hand::same_rows(client, SCHEMA, table, "the parallel rebuild").await?;
    }
    let drop = format!("DROP SCHEMA {SCHEMA} CASCADE");
    client
        .batch_execute(&drop)
        .await
        .map_err(|e| e.to_string())?;
    Ok(secs)
}
