//! [`WarehouseError`]: why a warehouse operation failed, and how a
//! PostgreSQL error becomes one.

use tokio_postgres::error::SqlState;

use super::lock::LockHolder;
use crate::load::LoadError;
use crate::row::RowError;
use crate::schema::Table;
use crate::sql;

#[derive(Debug, thiserror::Error)]
/// Why a warehouse operation failed. Messages say what to do next.
pub enum WarehouseError {
    #[error("cannot connect to {url}: {source}")]
    /// The connection could not be made.
    Connect {
        /// The URL, password redacted.
        url: String,
        /// The driver's error.
        source: tokio_postgres::Error,
    },
    #[error("{context}: {source}")]
    /// A statement failed.
    Sql {
        /// What dwh was doing.
        context: String,
        /// The server's error.
        source: tokio_postgres::Error,
    },
    #[error(
        "lost the connection to the warehouse while {context}: {source}\n  \
         the server rolls back the open transaction, so the warehouse keeps what earlier steps committed; \
         run the command again once the server is back (a local engine is restarted by the next dwh command; \
         `dwh local status` shows it)"
    )]
    /// The connection dropped mid-run; the open transaction is rolled back by the server.
    ConnectionLost {
        /// What dwh was doing.
        context: String,
        /// The driver's error.
        source: tokio_postgres::Error,
    },
    #[error(
        "another dwh run is writing to database `{database}`{}; \
         wait for it to finish, or leave out --no-wait to wait for it",
        holder.as_ref().map(|h| format!(" ({h})")).unwrap_or_default()
    )]
    /// Another run holds the run lock and the caller chose not to wait.
    Busy {
        /// The database locked.
        database: String,
        /// The session holding the lock, when the server tells.
        holder: Option<LockHolder>,
    },
    #[error(
        "Redshift has no advisory locks: on Redshift the run lock is `LOCK dwh_registry`, \
         taken by every write transaction (Warehouse::begin), and it cannot fail at once (--no-wait)"
    )]
    /// [`Warehouse::lock`](super::Warehouse::lock) or
    /// [`Warehouse::try_lock`](super::Warehouse::try_lock) on Redshift, which
    /// has no advisory locks: there the run lock is taken by
    /// [`Warehouse::begin`](super::Warehouse::begin).
    LockUnsupported,
    #[error(
        "database `{database}` has {} that dwh did not create ({} not in dwh_registry), so dwh \
         changed nothing: it never writes to, fills or drops a table it does not own.\n  \
         Run dwh against a database of its own (--database-url), or rename {}. \
         If this is a warehouse built by a dwh release from before dwh_registry, take it over with \
         `dwh create-tables --adopt` (only when its columns are the declared ones).",
        names(tables), if tables.len() == 1 { "it is" } else { "they are" },
        if tables.len() == 1 { "that table" } else { "those tables" }
    )]
    /// Tables with declared names exist that dwh did not create; nothing was changed.
    NotOwned {
        /// The database.
        database: String,
        /// The tables not in `dwh_registry`.
        tables: Vec<String>,
    },
    #[error(
        "cannot adopt table `{table}` of database `{database}`: its columns are not the declared ones, \
         so it is not a dwh table (nothing was changed).\n  declared: {declared}\n  found:    {live}\n  \
         Run dwh against another database, or rename the table."
    )]
    /// `--adopt` found a table whose columns differ from the declared ones.
    AdoptMismatch {
        /// The database.
        database: String,
        /// The table.
        table: &'static str,
        /// Its declared columns.
        declared: String,
        /// Its live columns.
        live: String,
    },
    #[error(
        "another dwh run loaded {} of this run's files into `{table}` meanwhile ({}); \
         nothing was changed: run again to load what is still new",
        files.len(), file_list(files)
    )]
    /// Files this run chose were recorded in the ledger by a concurrent run.
    LoadedMeanwhile {
        /// The staging table.
        table: &'static str,
        /// The files.
        files: Vec<String>,
    },
    #[error(
        "{} of `{table}` changed since dwh loaded {}: {}.\n  \
         dwh loads a file once and records its checksum; a changed file would leave rows the \
         star schema took from its old content. Restore the file, add the change as a new file, \
         or rebuild from every file with --full-refresh (or --reload-changed, which does that \
         only when a file changed).",
        if files.len() == 1 { "a source file" } else { "source files" },
        if files.len() == 1 { "it" } else { "them" },
        file_list(files)
    )]
    /// Files the ledger holds whose content changed since.
    ChangedFiles {
        /// The staging table.
        table: &'static str,
        /// The files, by path.
        files: Vec<String>,
    },
    #[error(
        "`{table}` keeps a history of versions, and this batch has rows no later than what is \
         loaded for {keys} of its keys that would change their versions: {}{}.\n  \
         The versions keep where each starts, not every event, so dwh cannot redo them and \
         changed nothing. Rebuild from every file in time order with --full-refresh, or load the \
         files in time order (the late ones first).",
        examples.join("; "),
        if *keys as usize > examples.len() { "; …" } else { "" }
    )]
    /// A type-2 dimension's batch has late rows that would change its
    /// history; nothing was changed.
    LateHistory {
        /// The dimension.
        table: &'static str,
        /// How many keys have such rows.
        keys: u64,
        /// The first of them: key, rows and the earliest row's time.
        examples: Vec<String>,
    },
    #[error(transparent)]
    /// A staging load failed.
    Load(#[from] LoadError),
    #[error(transparent)]
    /// A load that cannot be rendered for this dialect or table.
    Copy(#[from] sql::CopyError),
    #[error("cannot turn a row of `{rust_type}` into JSON: {message}")]
    /// A row read by an analysis did not serialise.
    Serialize {
        /// The row type.
        rust_type: &'static str,
        /// serde's message.
        message: String,
    },
    #[error("query result does not fit `{rust_type}`: {source}")]
    /// A query result did not decode into the requested type.
    Row {
        /// The type asked for.
        rust_type: &'static str,
        /// Which column did not fit.
        source: RowError,
    },
}

/// "table `a`" or "tables `a`, `b`".
fn names(tables: &[String]) -> String {
    let list: Vec<String> = tables.iter().map(|t| format!("`{t}`")).collect();
    let noun = if tables.len() == 1 { "table" } else { "tables" };
    format!("{noun} {}", list.join(", "))
}

/// Up to five file names, and how many more.
fn file_list(files: &[String]) -> String {
    let mut list: Vec<String> = files.iter().take(5).map(|f| format!("`{f}`")).collect();
    if files.len() > 5 {
        list.push(format!("and {} more", files.len() - 5));
    }
    list.join(", ")
}

impl WarehouseError {
    pub(crate) fn sql(
        context: impl Into<String>,
    ) -> impl FnOnce(tokio_postgres::Error) -> WarehouseError {
        let context = context.into();
        move |source| {
            if connection_lost(&source) {
                WarehouseError::ConnectionLost { context, source }
            } else {
                WarehouseError::Sql { context, source }
            }
        }
    }

    /// A load error, or the lost connection that caused it.
    pub(crate) fn load(table: &Table) -> impl FnOnce(LoadError) -> WarehouseError + '_ {
        move |e| match e {
            LoadError::Copy { source, .. } if connection_lost(&source) => {
                WarehouseError::ConnectionLost {
                    context: format!("loading `{}`", table.name),
                    source,
                }
            }
            e => WarehouseError::Load(e),
        }
    }
}

/// Whether an error means the server or the connection to it went away,
/// as opposed to a statement failing.
fn connection_lost(e: &tokio_postgres::Error) -> bool {
    if e.is_closed() {
        return true;
    }
    if let Some(code) = e.code() {
        return [
            SqlState::ADMIN_SHUTDOWN,
            SqlState::CRASH_SHUTDOWN,
            SqlState::CANNOT_CONNECT_NOW,
        ]
        .contains(code);
    }
    // An I/O error on the socket (e.g. connection reset).
    std::error::Error::source(e).is_some_and(|s| s.is::<std::io::Error>())
}
