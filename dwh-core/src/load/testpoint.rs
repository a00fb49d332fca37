//! A test-only hook that pauses a run at a named point, so crash tests can
//! kill dwh at an exact place inside a load or transform.
//!
//! `DWH_TEST_PAUSE_AT=POINT` makes the run print
//! `dwh: test pause at POINT` on stderr when it reaches POINT, then sleep
//! `DWH_TEST_PAUSE_SECS` seconds (default: an hour, i.e. until killed)
//! before going on. Points, all inside the open write transaction:
//!
//! - `copy:TABLE`: a staging COPY is open and its first buffer was sent;
//! - `load:TABLE`: a staging table was loaded, the next one not yet;
//! - `transform:TABLE`: a dimension or fact was loaded, the next not yet;
//! - `commit`: everything ran; COMMIT is next.
//!
//! Unset (the default), the hook costs one cached environment lookup.

use std::sync::OnceLock;
use std::time::Duration;

pub const PAUSE_AT_ENV: &str = "DWH_TEST_PAUSE_AT";
pub const PAUSE_SECS_ENV: &str = "DWH_TEST_PAUSE_SECS";

fn configured() -> Option<&'static (String, Duration)> {
    static PAUSE: OnceLock<Option<(String, Duration)>> = OnceLock::new();
    PAUSE
        .get_or_init(|| {
            let point = std::env::var(PAUSE_AT_ENV).ok().filter(|p| !p.is_empty())?;
            let secs = std::env::var(PAUSE_SECS_ENV)
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(3600);
            Some((point, Duration::from_secs(secs)))
        })
        .as_ref()
}

/// Pauses if `DWH_TEST_PAUSE_AT` names `step` (or `step:name`).
pub(crate) async fn pause(step: &str, name: Option<&str>) {
    let Some((point, duration)) = configured() else {
        return;
    };
    let matches = match (point.split_once(':'), name) {
        (Some((s, n)), Some(name)) => s == step && n == name,
        (None, None) => point == step,
        _ => false,
    };
    if matches {
        eprintln!("dwh: test pause at {point} ({PAUSE_AT_ENV})");
        tokio::time::sleep(*duration).await;
    }
}
