//! Serialization helpers for run reports.

use std::time::Duration;

use serde::Serializer;

/// Durations in reports are milliseconds, as a number.
pub fn millis<S: Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_f64(duration.as_secs_f64() * 1000.0)
}
