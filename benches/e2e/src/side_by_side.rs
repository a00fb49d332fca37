//! dwh's staging load and the database's own bulk-load limit, side by side:
//! the same rows into the same table, emptied the same way.
//!
//! - dwh: `dwh load --full-refresh` of `staging_events` from the JSON
//!   files, through dwh-core's run (TRUNCATE, binary COPY fed by the
//!   parser, the ledger's rows, ANALYZE for the transform's planner): its
//!   load and commit steps. The ANALYZE alone is timed too, right after,
//!   to tell its share.
//! - psql: `\copy staging_events (...) FROM 'file' (FORMAT csv)` and
//!   `(FORMAT binary)` of the same rows, exported by PostgreSQL itself, after
//!   TRUNCATE in the same transaction; the sum of psql's `\timing` of BEGIN,
//!   TRUNCATE, `\copy` and COMMIT (process start and connection not
//!   counted), and the table's row count checked after.
//!
//! Each run vacuums the table afterwards, untimed, so that no autovacuum
//! triggered by one run's inserts competes with the next run.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use dwh_core::load::policy::BatchPolicy;
use dwh_core::load::{LocalDir, Source};
use dwh_core::pipeline::Files;
use dwh_core::progress::Step;
use dwh_core::project::FilePattern;
use dwh_core::report::RunReport;
use dwh_core::run::Run;
use dwh_core::schema::Table;
use dwh_core::sql::{quote_ident, quote_literal, Dialect, Parts};
use dwh_core::{Project, Warehouse};

/// The table both sides load.
pub fn events_table() -> &'static Table {
    &<sparkify::StagingEvent as dwh_core::StagingTable>::TABLE
}

fn column_list(table: &Table) -> String {
    table
        .columns
        .iter()
        .map(|c| quote_ident(c.name))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The file formats psql's `\copy` loads: CSV text, which the server
/// parses, and PostgreSQL's binary format, the database's ingest limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Binary,
}

impl Format {
    fn name(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Binary => "binary",
        }
    }
}

pub struct Psql {
    pub bin: PathBuf,
    pub url: String,
}

impl Psql {
    /// Runs psql with `-c` commands; its stdout.
    fn run(&self, commands: &[String]) -> Result<String, String> {
        let mut command = Command::new(&self.bin);
        command.args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", &self.url]);
        for c in commands {
            command.arg("-c").arg(c);
        }
        let output = command
            .output()
            .map_err(|e| format!("cannot run {}: {e}", self.bin.display()))?;
        if !output.status.success() {
            return Err(format!(
                "psql failed ({}): {}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            ));
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }

    /// Writes the rows of `table` to `file` in `format`, as PostgreSQL
    /// itself writes them.
    pub fn export(&self, table: &Table, file: &Path, format: Format) -> Result<(), String> {
        self.run(&[format!(
            "\\copy {} ({}) TO {} (FORMAT {})",
            quote_ident(table.name),
            column_list(table),
            quote_literal(&file.display().to_string(), Dialect::Postgres),
            format.name()
        )])
        .map(drop)
    }

    /// Writes the rows of `table` to `file` as dwh's CSV source of it holds
    /// them: a header of source names, NULL as `\N`, epoch milliseconds
    /// ([`crate::formats::csv_export_query`]).
    pub fn export_for_dwh(&self, table: &Table, file: &Path) -> Result<(), String> {
        self.run(&[format!(
            "\\copy ({}) TO {} (FORMAT csv, HEADER true, NULL {})",
            crate::formats::csv_export_query(table),
            quote_literal(&file.display().to_string(), Dialect::Postgres),
            quote_literal(crate::formats::NULL_AS, Dialect::Postgres)
        )])
        .map(drop)
    }

    /// Empties `table` and loads `file` into it in one transaction;
    /// seconds. Fails unless the table then holds `rows` rows.
    pub fn copy(
        &self,
        table: &Table,
        file: &Path,
        format: Format,
        rows: u64,
    ) -> Result<f64, String> {
        let name = quote_ident(table.name);
        let stdout = self.run(&[
            "\\timing on".to_owned(),
            "BEGIN".to_owned(),
            format!("TRUNCATE {name}"),
            format!(
                "\\copy {name} ({}) FROM {} (FORMAT {})",
                column_list(table),
                quote_literal(&file.display().to_string(), Dialect::Postgres),
                format.name()
            ),
            "COMMIT".to_owned(),
        ])?;
        let millis: Vec<f64> = stdout
            .lines()
            .filter_map(|l| l.strip_prefix("Time: "))
            .filter_map(|t| t.split_whitespace().next()?.parse().ok())
            .collect();
        if millis.len() != 4 {
            return Err(format!("expected 4 timings from psql, got: {stdout}"));
        }
        let loaded = self.row_count(table)?;
        if loaded != rows {
            return Err(format!(
                "psql's \\copy ({}) loaded {loaded} rows, not {rows}",
                format.name()
            ));
        }
        Ok(millis.iter().sum::<f64>() / 1000.0)
    }

    /// The rows `table` holds.
    pub fn row_count(&self, table: &Table) -> Result<u64, String> {
        let stdout = self.run(&[format!("SELECT COUNT(*) FROM {}", quote_ident(table.name))])?;
        stdout
            .lines()
            .find_map(|l| l.trim().parse::<u64>().ok())
            .ok_or_else(|| format!("no row count from psql: {stdout}"))
    }

    /// A fingerprint of the rows `table` holds, in any order: their count
    /// and the sum of a hash of each row's text. Equal rows, equal
    /// fingerprints; a dropped, added or changed value changes it.
    pub fn fingerprint(&self, table: &Table) -> Result<String, String> {
        let stdout = self.run(&[format!(
            "SELECT COUNT(*) || ' rows, hash sum ' || COALESCE(SUM(hashtext(t::text)::BIGINT), 0) FROM {} t",
            quote_ident(table.name)
        )])?;
        stdout
            .lines()
            .map(str::trim)
            .find(|l| l.contains(" rows, hash sum "))
            .map(str::to_owned)
            .ok_or_else(|| format!("no fingerprint from psql: {stdout}"))
    }

    /// `ANALYZE` of `table`, as dwh's load runs it after the COPY; seconds.
    pub fn analyze(&self, table: &Table) -> Result<f64, String> {
        let stdout = self.run(&[
            "\\timing on".to_owned(),
            // psql -c runs it as one transaction, as SET LOCAL needs.
            dwh_core::sql::analyze_staging(table, Dialect::Postgres),
        ])?;
        stdout
            .lines()
            .find_map(|l| l.strip_prefix("Time: "))
            .and_then(|t| t.split_whitespace().next()?.parse::<f64>().ok())
            .map(|ms| ms / 1000.0)
            .ok_or_else(|| format!("no timing from psql: {stdout}"))
    }

    pub fn vacuum(&self, table: &Table) -> Result<(), String> {
        self.run(&[format!("VACUUM {}", quote_ident(table.name))])
            .map(drop)
    }
}

/// dwh's staging load of `table` from the files below `dir` that match
/// `pattern`, read as `format` (`dwh load --full-refresh`, dwh-core's run);
/// the seconds of its load and commit steps, and rows.
pub async fn dwh_load(
    url: &str,
    table: &'static Table,
    dir: &Path,
    pattern: &str,
    format: dwh_core::project::Format,
) -> Result<(f64, u64), String> {
    let text = |e: &dyn std::fmt::Display| e.to_string();
    let mut warehouse = Warehouse::connect(url, Dialect::Postgres)
        .await
        .map_err(|e| text(&e))?;
    let schema = dwh_core::Schema::new([table]).map_err(|e| text(&e))?;
    let project = Project::new("side_by_side", schema)
        .source_of_as(table, "staging", pattern, format.clone())
        .build()
        .map_err(|e| text(&e))?;
    let pattern = FilePattern::new(pattern).map_err(|e| text(&e))?;
    let source = LocalDir::matching(dir, pattern).format(format);
    let files = Files {
        sources: vec![(table, Arc::new(source) as Arc<dyn Source>)],
        ..Files::default()
    };
    let parts = Parts {
        staging: true,
        full_refresh: true,
        ..Parts::NONE
    };
    let policy = BatchPolicy {
        allow_missing_files: true,
        ..BatchPolicy::default()
    };
    let mut report = RunReport::default();
    Run::new(&project, &mut warehouse)
        .part(parts)
        .policy(policy)
        .files(files)
        .execute(&mut report, &mut ())
        .await
        .map_err(|e| text(&e))?;
    let timed = [Step::LoadStaging, Step::Commit].map(Step::name);
    let seconds = report
        .steps
        .iter()
        .filter(|s| timed.contains(&s.step.as_str()))
        .map(|s| s.duration.as_secs_f64())
        .sum();
    Ok((seconds, report.staging[0].rows))
}
