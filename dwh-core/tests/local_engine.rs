//! The local engine against a real PostgreSQL server. Needs the server
//! binaries (see `dwh_core::local::PgBinaries::discover`); runs as root too,
//! as in CI, where the server runs as user `postgres`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use dwh_core::local::{self, EngineState, LocalEngine, StopOutcome};
use tokio_postgres::{Client, NoTls};

/// An engine directory under /tmp, whose server is killed and files removed
/// on drop, so that a failing test leaves nothing running.
struct Scratch {
    requested: PathBuf,
}

impl Scratch {
    fn new(label: &str) -> Self {
        let requested = std::env::temp_dir().join(format!("dwh-it-{label}-{}", std::process::id()));
        let scratch = Scratch { requested };
        scratch.cleanup();
        scratch
    }

    fn path(&self) -> &Path {
        &self.requested
    }

    fn cleanup(&self) {
        if let Ok(status) = LocalEngine::status(&self.requested) {
            if let EngineState::Running { pid } = status.state {
                kill("-QUIT", pid); // immediate shutdown
                wait_until(|| !is_running(&self.requested));
            }
            let _ = std::fs::remove_dir_all(&status.dir);
        }
        let _ = std::fs::remove_dir_all(&self.requested);
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        self.cleanup();
    }
}

fn kill(signal: &str, pid: i32) {
    let status = Command::new("kill")
        .args([signal, &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success(), "kill {signal} {pid}");
}

fn is_running(dir: &Path) -> bool {
    LocalEngine::status(dir).unwrap().is_running()
}

fn running_pid(dir: &Path) -> i32 {
    match LocalEngine::status(dir).unwrap().state {
        EngineState::Running { pid } => pid,
        state => panic!("expected a running server, found {state:?}"),
    }
}

fn wait_until(mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while !done() {
        assert!(Instant::now() < deadline, "timed out");
        std::thread::sleep(Duration::from_millis(50));
    }
}

async fn connect(url: &str) -> Client {
    let (client, connection) = tokio_postgres::connect(url, NoTls).await.unwrap();
    tokio::spawn(connection);
    client
}

async fn select_one(url: &str) -> i32 {
    connect(url)
        .await
        .query_one("SELECT 1", &[])
        .await
        .unwrap()
        .get(0)
}

#[tokio::test]
async fn lifecycle_ensure_reuse_databases_stop_restart() {
    let scratch = Scratch::new("lifecycle");
    let dir = scratch.path();
    assert_eq!(
        LocalEngine::status(dir).unwrap().state,
        EngineState::NotInitialised
    );

    let engine = LocalEngine::ensure(dir).await.unwrap();
    assert_eq!(select_one(&engine.url()).await, 1);
    let pid = running_pid(dir);

    // A second ensure reuses the running server.
    let again = LocalEngine::ensure(dir).await.unwrap();
    assert_eq!(again, engine);
    assert_eq!(running_pid(dir), pid);
    let status = LocalEngine::status(dir).unwrap();
    assert_eq!(status.url.as_deref(), Some(engine.url().as_str()));
    assert_eq!(status.dir, engine.dir());

    // Databases of their own, replaced (even while in use) when re-created.
    let url = engine.create_database("it_lifecycle").await.unwrap();
    assert!(url.ends_with("/it_lifecycle"), "{url}");
    let client = connect(&url).await;
    client
        .batch_execute("CREATE TABLE t (x int)")
        .await
        .unwrap();
    let same_url = local::create_database(&engine.url(), "it_lifecycle")
        .await
        .unwrap();
    assert_eq!(same_url, url);
    let fresh = connect(&url).await;
    let row = fresh
        .query_one(
            "SELECT current_database()::text, count(*) FROM pg_tables WHERE tablename = 't'",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "it_lifecycle");
    assert_eq!(row.get::<_, i64>(1), 0);
    let err = engine.create_database("Bad-Name").await.unwrap_err();
    assert!(matches!(err, local::LocalError::InvalidDatabaseName { .. }));

    // Stop is idempotent.
    let stopped = LocalEngine::stop(dir).await.unwrap();
    assert!(matches!(stopped, StopOutcome::Stopped { .. }), "{stopped}");
    let status = LocalEngine::status(dir).unwrap();
    assert_eq!(status.state, EngineState::Stopped);
    assert_eq!(status.url.as_deref(), Some(engine.url().as_str()));
    let again = LocalEngine::stop(dir).await.unwrap();
    assert!(matches!(again, StopOutcome::NotRunning { .. }), "{again}");

    // Ensure restarts on the same port, data kept...
    let restarted = LocalEngine::ensure(dir).await.unwrap();
    assert_eq!(restarted.port(), engine.port());
    assert_eq!(select_one(&url).await, 1);

    // ...or on another one when that is taken meanwhile.
    LocalEngine::stop(dir).await.unwrap();
    let squatter = std::net::TcpListener::bind(("127.0.0.1", engine.port())).unwrap();
    let moved = LocalEngine::ensure(dir).await.unwrap();
    assert_ne!(moved.port(), engine.port());
    assert_eq!(select_one(&moved.url()).await, 1);
    drop(squatter);

    LocalEngine::stop(dir).await.unwrap();
}

#[tokio::test]
async fn recovers_from_a_killed_server() {
    let scratch = Scratch::new("killed");
    let dir = scratch.path();
    let engine = LocalEngine::ensure(dir).await.unwrap();
    // A session open when the server dies, as a crashed test would leave.
    let client = connect(&engine.url()).await;
    // With synchronous_commit off, a commit reaches the WAL a moment later;
    // a checkpoint makes sure it is there before the crash.
    client
        .batch_execute("CREATE TABLE kept (x int)")
        .await
        .unwrap();
    client.batch_execute("CHECKPOINT").await.unwrap();

    let pid = running_pid(dir);
    kill("-KILL", pid);
    wait_until(|| !is_running(dir));
    assert!(engine.dir().join("data/postmaster.pid").exists());
    assert_eq!(
        LocalEngine::status(dir).unwrap().state,
        EngineState::Stopped
    );

    let recovered = LocalEngine::ensure(dir).await.unwrap();
    assert_ne!(running_pid(dir), pid);
    let kept = connect(&recovered.url())
        .await
        .query_one(
            "SELECT count(*) FROM pg_tables WHERE tablename = 'kept'",
            &[],
        )
        .await
        .unwrap()
        .get::<_, i64>(0);
    assert_eq!(kept, 1);
    LocalEngine::stop(dir).await.unwrap();
}

#[tokio::test]
async fn recovers_from_a_pid_file_whose_pid_was_reused() {
    let scratch = Scratch::new("reused-pid");
    let dir = scratch.path();
    let engine = LocalEngine::ensure(dir).await.unwrap();
    LocalEngine::stop(dir).await.unwrap();

    // The pid of a stopped server now belongs to an unrelated process.
    let mut other = Command::new("sleep").arg("60").spawn().unwrap();
    let pid_file = format!(
        "{}\n{}\n0\n{}\n\n\n",
        other.id(),
        engine.dir().display(),
        engine.port()
    );
    std::fs::write(engine.dir().join("data/postmaster.pid"), pid_file).unwrap();
    assert_eq!(
        LocalEngine::status(dir).unwrap().state,
        EngineState::Stopped
    );

    let restarted = LocalEngine::ensure(dir).await.unwrap();
    assert_eq!(select_one(&restarted.url()).await, 1);
    other.kill().unwrap();
    other.wait().unwrap();
    LocalEngine::stop(dir).await.unwrap();
}

#[tokio::test]
async fn concurrent_ensures_share_one_server() {
    let scratch = Scratch::new("concurrent");
    let dir = scratch.path();
    let (a, b, c) = tokio::join!(
        LocalEngine::ensure(dir),
        LocalEngine::ensure(dir),
        LocalEngine::ensure(dir)
    );
    let (a, b, c) = (a.unwrap(), b.unwrap(), c.unwrap());
    assert_eq!(a, b);
    assert_eq!(a, c);
    assert_eq!(select_one(&a.url()).await, 1);
    LocalEngine::stop(dir).await.unwrap();
}

#[tokio::test]
async fn stopping_an_engine_that_never_ran_is_fine() {
    let scratch = Scratch::new("never-ran");
    let outcome = LocalEngine::stop(scratch.path()).await.unwrap();
    assert!(
        matches!(outcome, StopOutcome::NotRunning { .. }),
        "{outcome}"
    );
}
