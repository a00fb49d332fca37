//! What can go wrong with the local engine. Every message names the path or
//! command involved and says what to do about it.

use std::io;
use std::path::PathBuf;

/// An error starting, stopping or using the local PostgreSQL engine.
#[derive(Debug, thiserror::Error)]
pub enum LocalError {
    #[error(
        "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found (searched {searched}); \
         install PostgreSQL server binaries: `apt-get install postgresql` (Debian/Ubuntu), \
         `brew install postgresql@15` (macOS), or set DWH_PG_BINDIR to the directory holding them"
    )]
    BinariesNotFound { searched: String },

    #[error(
        "DWH_PG_BINDIR={} has no {missing}; point it at the directory holding initdb, pg_ctl \
         and postgres (for example /usr/lib/postgresql/15/bin), or unset it to search PATH",
        dir.display()
    )]
    BadBinDir { dir: PathBuf, missing: String },

    #[error(
        "cannot use {} for the local engine: {reason}; remove {} or set DWH_LOCAL_DIR to \
         another directory",
        dir.display(),
        dir.display()
    )]
    DirNotUsable { dir: PathBuf, reason: String },

    #[error(
        "running as root, but PostgreSQL refuses to run as root and the server user `{user}` \
         {problem}; create it (`useradd --system --user-group postgres`), set DWH_PG_USER to \
         another unprivileged user, or run dwh as a non-root user"
    )]
    NoServerUser { user: String, problem: String },

    #[error(
        "running as root, dwh starts PostgreSQL as `{user}` with `runuser`, `setpriv` or `su`, \
         but none of them is on PATH; install util-linux, or run dwh as a non-root user"
    )]
    NoUserSwitch { user: String },

    #[error("could not {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    #[error("`{command}` failed ({status}):\n{output}")]
    Command {
        command: String,
        status: String,
        output: String,
    },

    #[error(
        "{} was created by PostgreSQL {data_version}, but the server binaries in {} are \
         PostgreSQL {bin_version}; set DWH_PG_BINDIR to PostgreSQL {data_version}'s binaries, \
         or remove {} to start over (its data is lost)",
        data_dir.display(),
        bindir.display(),
        data_dir.display()
    )]
    VersionMismatch {
        data_dir: PathBuf,
        data_version: String,
        bindir: PathBuf,
        bin_version: String,
    },

    #[error(
        "the local PostgreSQL in {} did not start: {reason}\n--- last lines of {} ---\n{log_tail}\n\
         If the data directory is damaged, remove {} and retry (its data is lost)",
        dir.display(),
        log.display(),
        dir.display()
    )]
    StartFailed {
        dir: PathBuf,
        log: PathBuf,
        reason: String,
        log_tail: String,
    },

    #[error(
        "the local PostgreSQL in {} does not accept connections on 127.0.0.1:{port} after {secs} s \
         ({last_error})\n--- last lines of {} ---\n{log_tail}",
        dir.display(),
        log.display()
    )]
    NotReady {
        dir: PathBuf,
        port: u16,
        secs: u64,
        last_error: String,
        log: PathBuf,
        log_tail: String,
    },

    #[error(
        "processes of an earlier PostgreSQL server (pids {pids:?}) are still running in {}; \
         stop them (`kill PID`) and retry",
        data_dir.display()
    )]
    OldServerRunning { data_dir: PathBuf, pids: Vec<i32> },

    #[error(
        "another dwh process has held {} for {secs} s; wait for it to finish, or delete the \
         file if no dwh process is running",
        path.display()
    )]
    LockTimeout { path: PathBuf, secs: u64 },

    #[error(
        "`{name}` is not a valid local database name: use 1 to 63 characters from [a-z0-9_], \
         and not `postgres`, `template0` or `template1`"
    )]
    InvalidDatabaseName { name: String },

    #[error("`{url}` is not a postgresql:// URL; pass a URL such as LocalEngine::url() returns")]
    NotAUrl { url: String },

    #[error("{action} on the local PostgreSQL failed: {source}")]
    Postgres {
        action: String,
        #[source]
        source: tokio_postgres::Error,
    },
}

impl LocalError {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(io::Error) -> Self {
        let path = path.into();
        move |source| LocalError::Io {
            action,
            path,
            source,
        }
    }

    pub(crate) fn postgres(
        action: impl Into<String>,
    ) -> impl FnOnce(tokio_postgres::Error) -> Self {
        let action = action.into();
        move |source| LocalError::Postgres { action, source }
    }
}
