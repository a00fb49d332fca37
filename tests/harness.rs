//! Shared test support: the real local PostgreSQL engine, one fresh
//! database per test, and the paths of the shared sample data.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use dwh_core::load::{LocalDir, Source};
use dwh_core::local::LocalEngine;
use dwh_core::schema::Table;
use dwh_core::sql::Dialect;
use dwh_core::Warehouse;

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ lives in the workspace")
        .to_owned()
}

/// `../shared/data/sparkify`, the real sample data (never copied here).
pub fn sample_data() -> PathBuf {
    let dir = workspace().join("../shared/data/sparkify");
    assert!(dir.is_dir(), "sample data missing at {}", dir.display());
    dir
}

/// A scratch directory under target/, emptied first.
pub fn scratch(name: &str) -> PathBuf {
    let dir = workspace().join("target/dwh-test-scratch").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

/// The test engine, shared by every test (started once, reused).
pub async fn engine() -> LocalEngine {
    let dir = workspace().join("target/dwh-test-local");
    LocalEngine::ensure(&dir)
        .await
        .expect("local PostgreSQL engine starts")
}

/// A fresh, empty database for one test, connected.
pub async fn fresh_warehouse(name: &str) -> (Warehouse, String) {
    let url = engine()
        .await
        .create_database(name)
        .await
        .expect("create test database");
    let warehouse = Warehouse::connect(&url, Dialect::Postgres)
        .await
        .expect("connect to test database");
    (warehouse, url)
}

/// The Sparkify staging tables with their sources below `dir`.
pub fn sparkify_sources(dir: &Path) -> Vec<(&'static Table, Arc<dyn Source>)> {
    sparkify::staging_dirs()
        .into_iter()
        .map(|(table, sub)| {
            (
                table,
                Arc::new(LocalDir::new(dir.join(sub))) as Arc<dyn Source>,
            )
        })
        .collect()
}
