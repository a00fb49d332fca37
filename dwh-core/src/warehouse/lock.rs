//! The run lock: one writing dwh run per warehouse at a time.
//!
//! Two runs writing at once would each see the other's rows as absent and
//! both insert them (the loads de-duplicate against what a transaction
//! sees), and the second `TRUNCATE` of staging would wait in the middle of
//! a run. So a run that writes first takes the run lock.
//!
//! On PostgreSQL (the local engine) the lock is a session-level advisory
//! lock, held from `lock` until `unlock` or the end of the connection. The
//! server releases it when the connection ends for any reason, a killed
//! dwh included, so a crash never leaves a stale lock behind. Advisory
//! locks are scoped to the current database, so one constant key locks
//! exactly the warehouse connected to.
//!
//! Redshift has no advisory locks. There every write transaction begins
//! with `LOCK dwh_registry` (see [`crate::sql::registry::lock_registry`]
//! and [`super::Warehouse::begin`]): Redshift's LOCK is exclusive, waits
//! for the holder, and lasts until the transaction ends. A no-wait mode
//! (looking the table up in `STV_LOCKS` first) is not implemented, so
//! [`super::Warehouse::lock`] still fails on Redshift rather than pretend.

use std::fmt;

use tokio_postgres::Client;

/// `"dwh\0"` and 1: recognisable in `pg_locks` (classid 1685481472,
/// objid 1).
pub(super) const RUN_LOCK_KEY: i64 = 0x6477_6800_0000_0001;

/// The session holding the run lock, as far as the server tells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockHolder {
    /// The server process of the holding session.
    pub pid: i32,
    /// When that session connected.
    pub since: Option<String>,
    /// The client's `application_name` (`dwh` for dwh runs).
    pub application: Option<String>,
    /// The client's address, `None` for a Unix socket or when hidden.
    pub client_addr: Option<String>,
}

impl fmt::Display for LockHolder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "server process {}", self.pid)?;
        if let Some(app) = self.application.as_deref().filter(|a| !a.is_empty()) {
            write!(f, ", application `{app}`")?;
        }
        if let Some(addr) = &self.client_addr {
            write!(f, ", from {addr}")?;
        }
        if let Some(since) = &self.since {
            write!(f, ", connected since {since}")?;
        }
        Ok(())
    }
}

pub(super) async fn try_lock(client: &Client) -> Result<bool, tokio_postgres::Error> {
    let row = client
        .query_one("SELECT pg_try_advisory_lock($1)", &[&RUN_LOCK_KEY])
        .await?;
    Ok(row.get(0))
}

/// Waits until the lock is free, then takes it.
pub(super) async fn lock(client: &Client) -> Result<(), tokio_postgres::Error> {
    client
        .execute("SELECT pg_advisory_lock($1)", &[&RUN_LOCK_KEY])
        .await?;
    Ok(())
}

pub(super) async fn unlock(client: &Client) -> Result<(), tokio_postgres::Error> {
    client
        .execute("SELECT pg_advisory_unlock($1)", &[&RUN_LOCK_KEY])
        .await?;
    Ok(())
}

/// Who holds the lock, if anyone.
pub(super) async fn holder(client: &Client) -> Result<Option<LockHolder>, tokio_postgres::Error> {
    // A bigint key shows in pg_locks as classid (high half), objid (low
    // half) and objsubid 1. Both halves are constants, not input.
    let sql = format!(
        "SELECT l.pid, to_char(a.backend_start, 'YYYY-MM-DD HH24:MI:SS TZ'), \
                a.application_name, host(a.client_addr) \
         FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid \
         WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 \
           AND l.classid = {} AND l.objid = {} \
           AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
         LIMIT 1",
        RUN_LOCK_KEY >> 32,
        RUN_LOCK_KEY & 0xffff_ffff
    );
    let row = client.query_opt(&sql, &[]).await?;
    Ok(row.map(|row| LockHolder {
        pid: row.get(0),
        since: row.get(1),
        application: row.get(2),
        client_addr: row.get(3),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_reads_as_dwh_in_pg_locks() {
        assert_eq!((RUN_LOCK_KEY >> 32) as u32, u32::from_be_bytes(*b"dwh\0"));
        assert_eq!(RUN_LOCK_KEY & 0xffff_ffff, 1);
    }

    #[test]
    fn holders_read_well() {
        let holder = LockHolder {
            pid: 42,
            since: Some("2026-01-01 10:00:00 UTC".into()),
            application: Some("dwh".into()),
            client_addr: Some("127.0.0.1".into()),
        };
        assert_eq!(
            holder.to_string(),
            "server process 42, application `dwh`, from 127.0.0.1, connected since 2026-01-01 10:00:00 UTC"
        );
    }
}
