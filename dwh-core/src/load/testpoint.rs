//! A test-only hook that pauses a run at a named point, so crash tests can
//! kill dwh at an exact place inside a load or transform.
//!
//! Compiled in only with the `test-hooks` feature, which dwh-cli's tests
//! enable (a dev-dependency feature): a normal or release build ignores
//! the variables below, so a stray one cannot stall a real run inside its
//! open transaction while it holds the run lock.
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

#[cfg_attr(not(feature = "test-hooks"), allow(dead_code))]
pub const PAUSE_AT_ENV: &str = "DWH_TEST_PAUSE_AT";
#[cfg_attr(not(feature = "test-hooks"), allow(dead_code))]
pub const PAUSE_SECS_ENV: &str = "DWH_TEST_PAUSE_SECS";

/// Pauses if `DWH_TEST_PAUSE_AT` names `step` (or `step:name`); with the
/// `test-hooks` feature only.
#[cfg(feature = "test-hooks")]
pub(crate) async fn pause(step: &str, name: Option<&str>) {
    use std::sync::OnceLock;
    use std::time::Duration;

    static PAUSE: OnceLock<Option<(String, Duration)>> = OnceLock::new();
    let configured = PAUSE.get_or_init(|| {
        let point = std::env::var(PAUSE_AT_ENV).ok().filter(|p| !p.is_empty())?;
        let secs = std::env::var(PAUSE_SECS_ENV)
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(3600);
        Some((point, Duration::from_secs(secs)))
    });
    let Some((point, duration)) = configured else {
        return;
    };
    if matches(point, step, name) {
        eprintln!("dwh: test pause at {point} ({PAUSE_AT_ENV})");
        tokio::time::sleep(*duration).await;
    }
}

/// Without the `test-hooks` feature: nothing, whatever the environment.
#[cfg(not(feature = "test-hooks"))]
#[inline(always)]
pub(crate) async fn pause(_step: &str, _name: Option<&str>) {}

#[cfg_attr(not(feature = "test-hooks"), allow(dead_code))]
fn matches(point: &str, step: &str, name: Option<&str>) -> bool {
    match (point.split_once(':'), name) {
        (Some((s, n)), Some(name)) => s == step && n == name,
        (None, None) => point == step,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_match_step_and_name() {
        assert!(matches("copy:users", "copy", Some("users")));
        assert!(!matches("copy:users", "copy", Some("songs")));
        assert!(matches("commit", "commit", None));
        assert!(!matches("commit", "copy", Some("commit")));
    }

    /// What a normal build does with the variables set: nothing. Runs in
    /// `cargo test -p dwh-core` (no dev-dependency turns the feature on
    /// there); `.ci/run` runs it on its own for that reason.
    #[cfg(not(feature = "test-hooks"))]
    #[tokio::test]
    async fn without_the_feature_the_variables_are_ignored() {
        // No other test of this binary reads these two variables.
        std::env::set_var(PAUSE_AT_ENV, "commit");
        std::env::set_var(PAUSE_SECS_ENV, "3600");
        tokio::time::timeout(std::time::Duration::from_secs(5), pause("commit", None))
            .await
            .expect("a build without `test-hooks` never pauses");
    }
}
