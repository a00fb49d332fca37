//! The JSON run report (`--report FILE`): dwh-core's [`RunReport`], written.

use std::path::Path;

use anyhow::Context;
use dwh_core::report::RunReport;

/// Writes `report` to `path` as JSON.
pub fn write(report: &RunReport, path: &Path) -> anyhow::Result<()> {
    let json = serde_json::to_string_pretty(report).expect("report serializes");
    std::fs::write(path, json + "\n").with_context(|| write_failed(report, path))
}

/// What a failed write means: after the commit, only the report is
/// missing, and the user must not think the load was lost.
fn write_failed(report: &RunReport, path: &Path) -> String {
    // The transform's reports are recorded once its transaction committed.
    if report.transform.is_empty() {
        format!("writing the run report to {}", path.display())
    } else {
        format!(
            "the warehouse was loaded and committed; only the run report could not be \
             written to {} (a later `dwh all --report FILE` loads nothing twice)",
            path.display()
        )
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use dwh_core::warehouse::TransformReport;

    use super::*;

    /// A report that cannot be written after the commit says the load
    /// stands; before it, only that the report failed.
    #[test]
    fn a_failed_report_after_the_commit_says_the_warehouse_was_loaded() {
        let missing = std::env::temp_dir()
            .join(format!("dwh-report-{}", std::process::id()))
            .join("no-such-folder/run.json");
        let mut report = RunReport::default();
        let before = format!("{:#}", write(&report, &missing).unwrap_err());
        assert!(!before.contains("committed"), "{before}");
        report.transform.push(TransformReport {
            table: "users",
            rows_before: 0,
            rows_after: 1,
            rows_changed: 1,
            analyzed: false,
            duration: Duration::ZERO,
        });
        let after = format!("{:#}", write(&report, &missing).unwrap_err());
        assert!(after.contains("loaded and committed"), "{after}");
        assert!(after.contains(&missing.display().to_string()), "{after}");
    }
}
