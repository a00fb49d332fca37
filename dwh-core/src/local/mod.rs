//! The local engine: a PostgreSQL server that dwh initialises, starts and
//! stops itself, so that warehouses can be built and tested without
//! Redshift.
//!
//! [`LocalEngine::ensure`] returns a running server for an engine
//! directory, creating the cluster on first use and reusing a server that
//! is already running. The server listens only on 127.0.0.1 (and in a
//! private socket directory) with trust authentication, as superuser
//! `dwh`, and serves database `dwh`.
//!
//! When dwh runs as root (as CI containers do), the server runs as the
//! unprivileged user `postgres` (or `DWH_PG_USER`), because PostgreSQL
//! refuses to run as root, and the engine moves to
//! `/var/tmp/dwh-USER-HASH`, because that user cannot reach a project
//! under root's home. [`LocalEngine::dir`] and [`EngineStatus::dir`] tell
//! where the files are.
//!
//! Environment: `DWH_PG_BINDIR` (server binaries), `DWH_LOCAL_DIR` (engine
//! directory, through [`LocalEngine::default_dir`]), `DWH_PG_USER` (server
//! user when root).

mod binaries;
mod db;
#[cfg(feature = "download-postgres")]
mod download;
mod error;
mod layout;
mod lock;
mod names;
mod process;
mod server;
#[cfg(test)]
pub(crate) mod test_support;
mod user;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tokio_postgres::Client;

pub use binaries::{PgBinaries, BINDIR_ENV};
pub use db::{create_database, validate_database_name};
pub use error::LocalError;
pub use layout::LOCAL_DIR_ENV;
pub use names::{DATABASE, DEMO_DATABASE, SUPERUSER};
pub use user::SERVER_USER_ENV;

use layout::{EngineRecord, Layout};
use server::{PidFile, ServerState};
use user::RunAs;

/// How long a started (or starting) server gets to accept connections.
const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// A running local server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalEngine {
    dir: PathBuf,
    port: u16,
}

impl LocalEngine {
    /// The engine directory for a workspace: `DWH_LOCAL_DIR` if set, else
    /// `TARGET/dwh-local`.
    pub fn default_dir(workspace_target_dir: &Path) -> PathBuf {
        layout::default_dir(workspace_target_dir)
    }

    /// Where the engine asked for at `requested` keeps its files: the same
    /// directory, except when running as root (see the module docs).
    pub fn engine_dir(requested: &Path) -> Result<PathBuf, LocalError> {
        layout::engine_dir(requested, &RunAs::detect()?)
    }

    /// A running server for the engine at `dir`: the one already running,
    /// or a new one (initialising the cluster on first use), with database
    /// [`DATABASE`] created.
    ///
    /// Safe to call from several processes at once: they take turns.
    pub async fn ensure(dir: &Path) -> Result<Self, LocalError> {
        let run_as = RunAs::detect()?;
        let layout = Layout::new(layout::engine_dir(dir, &run_as)?);
        layout::prepare(&layout, &run_as)?;
        let _lock = lock::acquire(&layout.lock()).await?;

        let (engine, client) = match server::inspect(&layout)? {
            ServerState::Running(pid_file) => Self::attach(&layout, pid_file).await?,
            ServerState::Stale(pid_file) => {
                tracing::info!(?pid_file, "clearing the pid file of a server that is gone");
                server::clear_stale(&layout).await?;
                Self::start(&layout, &run_as).await?
            }
            ServerState::Stopped => Self::start(&layout, &run_as).await?,
        };
        db::ensure_database(&client, DATABASE).await?;
        Ok(engine)
    }

    /// Stops the server of the engine at `dir` (fast shutdown: sessions are
    /// ended). Stopping a server that is not running is not an error.
    pub async fn stop(dir: &Path) -> Result<StopOutcome, LocalError> {
        let run_as = RunAs::detect()?;
        let layout = Layout::new(layout::engine_dir(dir, &run_as)?);
        let dir = layout.dir().to_owned();
        if !dir.is_dir() {
            return Ok(StopOutcome::NotRunning { dir });
        }
        let _lock = lock::acquire(&layout.lock()).await?;
        match server::inspect(&layout)? {
            ServerState::Running(_) => {
                server::stop(&discover().await?, &layout, &run_as).await?;
                Ok(StopOutcome::Stopped { dir })
            }
            ServerState::Stale(_) | ServerState::Stopped => Ok(StopOutcome::NotRunning { dir }),
        }
    }

    /// Whether the server of the engine at `dir` runs, and its URL.
    pub fn status(dir: &Path) -> Result<EngineStatus, LocalError> {
        let run_as = RunAs::detect()?;
        let layout = Layout::new(layout::engine_dir(dir, &run_as)?);
        let (state, port) = if !layout.is_initialised() {
            (EngineState::NotInitialised, None)
        } else {
            match server::inspect(&layout)? {
                ServerState::Running(PidFile { pid, port }) => {
                    (EngineState::Running { pid }, Some(port))
                }
                ServerState::Stale(_) | ServerState::Stopped => (
                    EngineState::Stopped,
                    layout::read_record(&layout).map(|r| r.port),
                ),
            }
        };
        Ok(EngineStatus {
            dir: layout.dir().to_owned(),
            state,
            url: port.map(engine_url),
        })
    }

    /// `postgresql://dwh@127.0.0.1:PORT/dwh`, for `tokio_postgres::connect`.
    pub fn url(&self) -> String {
        engine_url(self.port)
    }

    /// The TCP port the server listens on (127.0.0.1 only).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The engine directory actually used (see [`LocalEngine::engine_dir`]).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The URL of database `name` on this server, which is created (empty)
    /// if it does not exist; an existing one is kept as it is.
    pub async fn database_url(&self, name: &str) -> Result<String, LocalError> {
        let config = db::local_config(self.port, SUPERUSER, "postgres");
        let client = db::connect(&config)
            .await
            .map_err(LocalError::postgres("connecting to the local engine"))?;
        db::ensure_database(&client, name).await?;
        Ok(format!(
            "postgresql://{SUPERUSER}@127.0.0.1:{}/{name}",
            self.port
        ))
    }

    /// [`create_database`] on this server: a fresh, empty database `name`.
    pub async fn create_database(&self, name: &str) -> Result<String, LocalError> {
        create_database(&self.url(), name).await
    }

    /// Uses the server that is running, once it accepts connections (it
    /// may still be starting or recovering).
    async fn attach(layout: &Layout, pid_file: PidFile) -> Result<(Self, Client), LocalError> {
        let engine = LocalEngine {
            dir: layout.dir().to_owned(),
            port: pid_file.port,
        };
        let client = engine.wait_ready(layout).await?;
        if layout::read_record(layout).map(|r| r.port) != Some(pid_file.port) {
            layout::write_record(
                layout,
                &EngineRecord {
                    port: pid_file.port,
                },
            )?;
        }
        Ok((engine, client))
    }

    /// Starts the server, initialising the cluster first if needed. The
    /// port of the last run is tried first, so URLs stay the same.
    async fn start(layout: &Layout, run_as: &RunAs) -> Result<(Self, Client), LocalError> {
        let binaries = discover().await?;
        if layout.is_initialised() {
            server::check_version(&binaries, layout).await?;
        } else {
            tracing::info!(dir = %layout.data().display(), "initialising a PostgreSQL cluster");
            server::initdb(&binaries, layout, run_as).await?;
        }
        let last_port = layout::read_record(layout).map(|r| r.port);
        let port = server::start(&binaries, layout, run_as, last_port).await?;
        layout::write_record(layout, &EngineRecord { port })?;
        let engine = LocalEngine {
            dir: layout.dir().to_owned(),
            port,
        };
        let client = engine.wait_ready(layout).await?;
        Ok((engine, client))
    }

    /// A connection to database `postgres`, once the server accepts one.
    async fn wait_ready(&self, layout: &Layout) -> Result<Client, LocalError> {
        let config = db::local_config(self.port, SUPERUSER, "postgres");
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            match db::connect(&config).await {
                Ok(client) => return Ok(client),
                Err(e) if Instant::now() >= deadline => {
                    return Err(LocalError::NotReady {
                        dir: self.dir.clone(),
                        port: self.port,
                        secs: READY_TIMEOUT.as_secs(),
                        last_error: e.to_string(),
                        log: layout.log(),
                        log_tail: server::log_tail(&layout.log()),
                    })
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }
}

fn engine_url(port: u16) -> String {
    format!("postgresql://{SUPERUSER}@127.0.0.1:{port}/{DATABASE}")
}

/// What [`LocalEngine::stop`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StopOutcome {
    /// The server was running and is now stopped.
    Stopped {
        /// The engine directory.
        dir: PathBuf,
    },
    /// No server was running.
    NotRunning {
        /// The engine directory.
        dir: PathBuf,
    },
}

impl fmt::Display for StopOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StopOutcome::Stopped { dir } => {
                write!(f, "stopped the local PostgreSQL in {}", dir.display())
            }
            StopOutcome::NotRunning { dir } => write!(
                f,
                "the local PostgreSQL in {} was not running; nothing to stop",
                dir.display()
            ),
        }
    }
}

/// What [`LocalEngine::status`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineStatus {
    /// The engine directory actually used.
    pub dir: PathBuf,
    /// Whether the server runs.
    pub state: EngineState,
    /// The URL of the running server, or of the last run when stopped.
    pub url: Option<String>,
}

/// Whether the local server runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EngineState {
    /// The server runs.
    Running {
        /// Its postmaster's process id.
        pid: i32,
    },
    /// The cluster exists but no server runs.
    Stopped,
    /// No cluster yet: the first [`LocalEngine::ensure`] creates it.
    NotInitialised,
}

impl EngineStatus {
    /// Whether the server runs.
    pub fn is_running(&self) -> bool {
        matches!(self.state, EngineState::Running { .. })
    }
}

impl fmt::Display for EngineStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let dir = self.dir.display();
        match (&self.state, &self.url) {
            (EngineState::Running { pid }, Some(url)) => {
                write!(f, "running (pid {pid}) at {url}, in {dir}")
            }
            (EngineState::Running { pid }, None) => write!(f, "running (pid {pid}), in {dir}"),
            (EngineState::Stopped, Some(url)) => write!(f, "stopped (last at {url}), in {dir}"),
            (EngineState::Stopped, None) => write!(f, "stopped, in {dir}"),
            (EngineState::NotInitialised, _) => write!(f, "not initialised yet, in {dir}"),
        }
    }
}

/// [`PgBinaries::discover`] off the async threads: it may download.
async fn discover() -> Result<PgBinaries, LocalError> {
    tokio::task::spawn_blocking(PgBinaries::discover)
        .await
        .expect("finding the PostgreSQL binaries does not panic")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_user_host_port_and_database() {
        let engine = LocalEngine {
            dir: "/x".into(),
            port: 54321,
        };
        assert_eq!(engine.url(), "postgresql://dwh@127.0.0.1:54321/dwh");
        let config: tokio_postgres::Config = engine.url().parse().unwrap();
        assert_eq!(config.get_ports(), [54321]);
        assert_eq!(config.get_dbname(), Some("dwh"));
    }

    #[test]
    fn outcomes_read_well() {
        let stopped = StopOutcome::NotRunning { dir: "/e".into() };
        assert_eq!(
            stopped.to_string(),
            "the local PostgreSQL in /e was not running; nothing to stop"
        );
        let status = EngineStatus {
            dir: "/e".into(),
            state: EngineState::Running { pid: 7 },
            url: Some(engine_url(5)),
        };
        assert_eq!(
            status.to_string(),
            "running (pid 7) at postgresql://dwh@127.0.0.1:5/dwh, in /e"
        );
    }
}
