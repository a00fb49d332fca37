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
    /// No `initdb`/`pg_ctl`/`postgres` found on PATH, via `pg_config` or in the usual install roots.
    BinariesNotFound {
        /// The places searched, for the message.
        searched: String,
    },

    #[error(
        "no PostgreSQL server binaries are installed and dwh has no PostgreSQL build to \
         download for {platform}; install PostgreSQL's server binaries or set DWH_PG_BINDIR"
    )]
    /// No system binaries, and no pinned build for this platform.
    NoDownload {
        /// `os-arch` of this machine.
        platform: String,
    },

    #[error(
        "no PostgreSQL server binaries are installed, and downloading a PostgreSQL build from \
         {url} into {} failed: {reason}; install PostgreSQL's server binaries (`apt-get install \
         postgresql`, `brew install postgresql@15`), set DWH_PG_BINDIR to them, or set \
         DWH_PG_CACHE to a writable directory",
        cache.display()
    )]
    /// The pinned build could not be downloaded, checked or unpacked.
    Download {
        /// Where it was downloaded from.
        url: String,
        /// The cache directory.
        cache: PathBuf,
        /// What went wrong.
        reason: String,
    },

    #[error(
        "DWH_PG_BINDIR={} has no {missing}; point it at the directory holding initdb, pg_ctl \
         and postgres (for example /usr/lib/postgresql/15/bin), or unset it to search PATH",
        dir.display()
    )]
    /// `DWH_PG_BINDIR` points at a directory lacking a server binary.
    BadBinDir {
        /// The directory `DWH_PG_BINDIR` names.
        dir: PathBuf,
        /// The binary it lacks.
        missing: String,
    },

    #[error(
        "cannot use {} for the local engine: {reason}; remove {} or set DWH_LOCAL_DIR to \
         another directory",
        dir.display(),
        dir.display()
    )]
    /// The engine directory, or one inside it, cannot be created or made
    /// private, or belongs to another user than the server's.
    DirNotUsable {
        /// The engine directory.
        dir: PathBuf,
        /// Why it cannot be used.
        reason: String,
    },

    #[error(
        "running as root, but PostgreSQL refuses to run as root and the server user `{user}` \
         {problem}; create it (`useradd --system --user-group postgres`), set DWH_PG_USER to \
         another unprivileged user, or run dwh as a non-root user"
    )]
    /// Running as root, and the unprivileged user to run PostgreSQL as is unusable.
    NoServerUser {
        /// The user looked for (`postgres` or `DWH_PG_USER`).
        user: String,
        /// What is wrong with it.
        problem: String,
    },

    #[error(
        "running as root, dwh starts PostgreSQL as `{user}` with `runuser`, `setpriv` or `su`, \
         but none of them is on PATH; install util-linux, or run dwh as a non-root user"
    )]
    /// Running as root, and no tool to switch to the server user is installed.
    NoUserSwitch {
        /// The server user dwh would switch to.
        user: String,
    },

    #[error("could not {action} {}: {source}", path.display())]
    /// A file-system operation on the engine directory failed.
    Io {
        /// What was being done, e.g. `create`.
        action: &'static str,
        /// The path it was done to.
        path: PathBuf,
        #[source]
        /// The underlying error.
        source: io::Error,
    },

    #[error("`{command}` failed ({status}):\n{output}")]
    /// An engine command (`initdb`, `pg_ctl`, …) exited unsuccessfully.
    Command {
        /// The command line run.
        command: String,
        /// Its exit status.
        status: String,
        /// Its captured stdout and stderr.
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
    /// The data directory was made by another PostgreSQL major version than the binaries found.
    VersionMismatch {
        /// The data directory.
        data_dir: PathBuf,
        /// Its `PG_VERSION`.
        data_version: String,
        /// The directory of the server binaries found.
        bindir: PathBuf,
        /// Their major version.
        bin_version: String,
    },

    #[error(
        "the local PostgreSQL in {} did not start: {reason}\n--- last lines of {} ---\n{log_tail}\n\
         If the data directory is damaged, remove {} and retry (its data is lost)",
        dir.display(),
        log.display(),
        dir.display()
    )]
    /// The server did not start; the log tail usually says why.
    StartFailed {
        /// The engine directory.
        dir: PathBuf,
        /// The server log file.
        log: PathBuf,
        /// Why the start failed.
        reason: String,
        /// The last lines of the server log, which usually say why.
        log_tail: String,
    },

    #[error(
        "the local PostgreSQL in {} does not accept connections on 127.0.0.1:{port} after {secs} s \
         ({last_error})\n--- last lines of {} ---\n{log_tail}",
        dir.display(),
        log.display()
    )]
    /// The server started but did not accept connections in time.
    NotReady {
        /// The engine directory.
        dir: PathBuf,
        /// The port it was started on.
        port: u16,
        /// How long dwh waited.
        secs: u64,
        /// The last connection error.
        last_error: String,
        /// The server log file.
        log: PathBuf,
        /// The last lines of the server log.
        log_tail: String,
    },

    #[error(
        "processes of an earlier PostgreSQL server (pids {pids:?}) are still running in {}; \
         stop them (`kill PID`) and retry",
        data_dir.display()
    )]
    /// Processes of a server that was not stopped cleanly still use the data directory.
    OldServerRunning {
        /// The data directory.
        data_dir: PathBuf,
        /// Their process ids.
        pids: Vec<i32>,
    },

    #[error(
        "another dwh process has held {} for {secs} s; wait for it to finish, or delete the \
         file if no dwh process is running",
        path.display()
    )]
    /// Another dwh process held the engine's file lock for too long.
    LockTimeout {
        /// The lock file.
        path: PathBuf,
        /// How long dwh waited.
        secs: u64,
    },

    #[error(
        "`{name}` is not a valid local database name: use 1 to 63 characters from [a-z0-9_], \
         and not `postgres`, `template0` or `template1`"
    )]
    /// A database name the local engine refuses (see the message for the rule).
    InvalidDatabaseName {
        /// The name given.
        name: String,
    },

    #[error("`{url}` is not a postgresql:// URL; pass a URL such as LocalEngine::url() returns")]
    /// A connection string that is not a `postgresql://` URL.
    NotAUrl {
        /// The string given.
        url: String,
    },

    #[error("{action} on the local PostgreSQL failed: {source}")]
    /// A statement on the local server (e.g. CREATE DATABASE) failed.
    Postgres {
        /// What dwh was doing.
        action: String,
        #[source]
        /// The server's error.
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
