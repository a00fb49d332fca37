//! Compile-time diagnostics of the dwh derives, locked in by trybuild.
//!
//! `ui/<kind-of-mistake>/<case>.rs` must fail to compile with exactly the
//! errors in the `.stderr` next to it; `ui/pass/*.rs` must compile.
//! Regenerate snapshots with `TRYBUILD=overwrite cargo test -p dwh-derive-ui --test ui`
//! and review every changed `.stderr` like code.

use std::fs;
use std::path::PathBuf;

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("ui/pass/*.rs");
    for dir in mistake_dirs() {
        t.compile_fail(dir.join("*.rs"));
    }
}

/// Every directory under `ui/` except `pass`, in a stable order.
fn mistake_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = fs::read_dir("ui")
        .expect("tests/ui exists")
        .map(|entry| entry.expect("readable tests/ui").path())
        .filter(|path| path.is_dir() && !path.ends_with("pass"))
        .collect();
    dirs.sort();
    dirs
}
