//! A warehouse project: everything the `dwh` commands need to run one
//! warehouse end to end. The [schema](Schema), where each staging table's
//! files live, the analyses to run after the checks, checks of its own
//! beyond the derived ones, and optionally a generator of sample data.
//!
//! ```
//! use dwh_core::project::{Analysis, Project};
//! use dwh_core::{DimTable, FactTable, Row, Schema, StagingTable};
//!
//! #[derive(StagingTable)]
//! #[dwh(table = "staging_orders", diststyle = even)]
//! pub struct StagingOrder {
//!     pub order_id: Option<i64>,
//!     #[dwh(varchar = 32)]
//!     pub customer: Option<String>,
//! }
//!
//! #[derive(DimTable)]
//! #[dwh(table = "customers", diststyle = all, source = StagingOrder)]
//! pub struct Customer {
//!     #[dwh(natural_key, varchar = 32)]
//!     pub customer: String,
//! }
//!
//! #[derive(FactTable)]
//! #[dwh(table = "orders", distkey = order_id, source = StagingOrder)]
//! pub struct Order {
//!     #[dwh(natural_key)]
//!     pub order_id: i64,
//!     #[dwh(references = Customer, varchar = 32)]
//!     pub customer: String,
//! }
//!
//! /// One row of the analysis below, read by column name.
//! #[derive(Debug, Row, serde::Serialize, serde::Deserialize)]
//! pub struct OrdersByCustomer {
//!     pub customer: String,
//!     pub orders: i64,
//! }
//!
//! let schema = Schema::new([
//!     &<StagingOrder as StagingTable>::TABLE,
//!     &<Customer as DimTable>::TABLE,
//!     &<Order as FactTable>::TABLE,
//! ])?;
//! let project = Project::new("shop", schema)
//!     // JSON lines below `<data>/orders/`.
//!     .source::<StagingOrder>("orders", "*.json")
//!     .analysis(Analysis::new::<OrdersByCustomer>(
//!         "orders_by_customer",
//!         "Orders by customer",
//!         |top| format!(
//!             "SELECT customer, COUNT(*) AS orders FROM orders \
//!              GROUP BY customer ORDER BY orders DESC, customer LIMIT {top}"
//!         ),
//!     ))
//!     .build()?;
//! assert_eq!(project.name(), "shop");
//! assert_eq!(project.sources()[0].dir, "orders");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod analysis;
mod format;
mod generator;
mod pattern;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use analysis::{Analysis, AnalysisResult};
pub(crate) use format::JSON;
pub use format::{Csv, Format};
pub use generator::{GenError, GenSummary, Generator};
pub use pattern::{is_gzipped, FilePattern, PatternError};

use crate::catalog::Schema;
use crate::load::LocalDir;
use crate::schema::{Table, TableKind};
use crate::sql::checks::{listing, CheckQuery, CheckSql};
use crate::sql::validate_ident;

/// Where one staging table's files live, relative to the data location the
/// user gives (`--data DIR`, an S3 prefix, or generated data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagingSource {
    /// The staging table the files fill.
    pub table: &'static Table,
    /// The folder below the data location (`log_data`); also the folder
    /// name below the S3 prefix that `dwh upload` writes.
    pub dir: String,
    /// Which files below `dir` (recursively) are data, by file name.
    pub pattern: FilePattern,
    /// How the files are written.
    pub format: Format,
}

impl StagingSource {
    /// This source's files below the data folder `data`: its folder, its
    /// pattern, its format.
    pub fn below(&self, data: &Path) -> LocalDir {
        LocalDir::matching(data.join(&self.dir), self.pattern.clone()).format(self.format.clone())
    }
}

/// A check of the project's own, beyond those derived from the schema: a
/// query listing offending rows as `(key, n)`, `key` a text that names the
/// offender and `n` how many rows share it. The check passes when the
/// query returns no row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// The table the check is about.
    pub table: &'static Table,
    /// What it checks, as shown in the results: `no play before 2000`.
    pub name: String,
    /// The listing query.
    pub offending: String,
}

/// A warehouse project: schema, staging sources, analyses, checks and an
/// optional data generator. Build one with [`Project::new`] and the
/// builder methods, then [`ProjectBuilder::build`], which checks that
/// every staging table has exactly one source.
#[derive(Clone)]
pub struct Project {
    name: String,
    schema: Schema,
    sources: Vec<StagingSource>,
    analyses: Vec<Analysis>,
    checks: Vec<Check>,
    generator: Option<Arc<dyn Generator>>,
    data_dir: Option<PathBuf>,
    charts: Option<Charts>,
}

/// Draws a project's charts from its analysis results into a folder; the
/// files written. See [`ProjectBuilder::charts`].
pub type Charts = fn(&[AnalysisResult], &Path) -> Result<Vec<PathBuf>, GenError>;

impl fmt::Debug for Project {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Project")
            .field("name", &self.name)
            .field("tables", &self.schema.tables().len())
            .field("sources", &self.sources)
            .field("analyses", &self.analyses.len())
            .field("checks", &self.checks)
            .field("generator", &self.generator.is_some())
            .finish()
    }
}

/// Why a project does not hold together.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProjectError {
    /// The name is not a plain lowercase identifier.
    #[error(
        "project name `{0}` must be lowercase letters, digits and `-` or `_`, starting with a letter \
         (it names the demo database, the cluster and the S3 prefix)"
    )]
    BadName(String),
    /// A staging table has no source.
    #[error(
        "staging table `{0}` has no source: add `.source::<ItsStruct>(\"folder\", \"*.json\")`"
    )]
    NoSource(&'static str),
    /// A staging table has two sources.
    #[error("staging table `{0}` has two sources; give it one folder")]
    TwoSources(&'static str),
    /// A source names a table that is not a staging table of the schema.
    #[error("source folder `{dir}` fills `{table}`, which is not a staging table of the schema")]
    NotStaging {
        /// The table named.
        table: &'static str,
        /// The source's folder.
        dir: String,
    },
    /// A source folder is not a plain relative path.
    #[error(
        "source folder `{0}` must be a relative path of plain names (`events` or `raw/events`), \
         without `..`, `.` or a leading `/`"
    )]
    BadDir(String),
    /// Two analyses share a key.
    #[error("two analyses are keyed `{0}`; keys name them in reports and must be unique")]
    DuplicateAnalysis(String),
    /// A source's format options cannot be read, or do not fit its files.
    #[error("source folder `{dir}`: {reason}")]
    Format {
        /// The source's folder.
        dir: String,
        /// What is wrong.
        reason: String,
    },
    /// A bad file pattern.
    #[error(transparent)]
    Pattern(#[from] PatternError),
}

impl Project {
    /// Starts a project named `name` (lowercase, e.g. `sparkify`) on `schema`.
    #[allow(clippy::new_ret_no_self)]
    pub fn new(name: &str, schema: Schema) -> ProjectBuilder {
        ProjectBuilder {
            project: Project {
                name: name.to_owned(),
                schema,
                sources: Vec::new(),
                analyses: Vec::new(),
                checks: Vec::new(),
                generator: None,
                data_dir: None,
                charts: None,
            },
            errors: Vec::new(),
        }
    }

    /// The project's name: it names the demo database, the default cluster
    /// and S3 prefix, and the folder of generated data.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The declared tables.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// Each staging table's source, in the schema's table order.
    pub fn sources(&self) -> &[StagingSource] {
        &self.sources
    }

    /// `a/ and b/`: the folders a data directory of this warehouse holds,
    /// one per staging source, as error messages name them.
    pub fn expected_dirs(&self) -> String {
        let dirs: Vec<String> = self
            .sources()
            .iter()
            .map(|s| format!("{}/", s.dir))
            .collect();
        match dirs.split_last() {
            Some((last, [])) => last.clone(),
            Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
            None => "nothing".into(),
        }
    }

    /// The analyses, in run order.
    pub fn analyses(&self) -> &[Analysis] {
        &self.analyses
    }

    /// The project's own checks.
    pub fn checks(&self) -> &[Check] {
        &self.checks
    }

    /// The sample-data generator, if the project has one.
    pub fn generator(&self) -> Option<&dyn Generator> {
        self.generator.as_deref()
    }

    /// The chart renderer, if the project draws charts (`--charts DIR`).
    pub fn charts(&self) -> Option<Charts> {
        self.charts
    }

    /// The data folder used when the user gives none and the project has
    /// no generator (see [`ProjectBuilder::data_dir`]).
    pub fn data_dir(&self) -> Option<&Path> {
        self.data_dir.as_deref()
    }

    /// Every check to run after a load: those derived from the schema, then
    /// the project's own; `examples` offending keys listed per failed check.
    pub fn check_queries(&self, examples: u32) -> Vec<CheckQuery> {
        let mut queries = crate::sql::checks::queries(&self.schema, examples);
        queries.extend(self.checks.iter().map(|c| {
            let (count, examples) = listing(&c.offending, examples);
            CheckQuery {
                table: c.table,
                check: c.name.clone(),
                sql: CheckSql::Listing { count, examples },
                proof: None,
                batch: None,
                batch_unless_changed: Vec::new(),
                whole_only: false,
                reads_bookkeeping: None,
            }
        }));
        queries
    }
}

/// Builds a [`Project`]; errors are collected and reported by
/// [`ProjectBuilder::build`].
pub struct ProjectBuilder {
    project: Project,
    errors: Vec<ProjectError>,
}

impl ProjectBuilder {
    /// The files of staging table `T` live in folder `dir` below the data
    /// location, and are those whose name matches `pattern` (`*.json`,
    /// `part-*.csv`; `*` matches any run of characters but `/`). Their
    /// format is the pattern's extension ([`Format::of_pattern`]): `*.csv`
    /// is CSV, `*.parquet` Parquet, anything else JSON.
    pub fn source<T: crate::StagingTable>(self, dir: &str, pattern: &str) -> Self {
        self.source_of(&T::TABLE, dir, pattern)
    }

    /// As [`ProjectBuilder::source`], with the format given: CSV with
    /// other options than RFC 4180's (`Format::Csv(Csv::new().null_as("NA"))`),
    /// or a format the extension does not tell.
    pub fn source_as<T: crate::StagingTable>(
        self,
        dir: &str,
        pattern: &str,
        format: Format,
    ) -> Self {
        self.source_of_as(&T::TABLE, dir, pattern, format)
    }

    /// As [`ProjectBuilder::source`], for a table known by value.
    pub fn source_of(self, table: &'static Table, dir: &str, pattern: &str) -> Self {
        self.source_of_as(table, dir, pattern, Format::of_pattern(pattern))
    }

    /// As [`ProjectBuilder::source_as`], for a table known by value.
    pub fn source_of_as(
        mut self,
        table: &'static Table,
        dir: &str,
        pattern: &str,
        format: Format,
    ) -> Self {
        match FilePattern::new(pattern) {
            Ok(pattern) => self.project.sources.push(StagingSource {
                table,
                dir: dir.trim_end_matches('/').to_owned(),
                pattern,
                format,
            }),
            Err(e) => self.errors.push(e.into()),
        }
        self
    }

    /// Runs `analysis` after the checks, in the order added.
    pub fn analysis(mut self, analysis: Analysis) -> Self {
        self.project.analyses.push(analysis);
        self
    }

    /// Runs each of `analyses` after the checks, in order.
    pub fn analyses(mut self, analyses: impl IntoIterator<Item = Analysis>) -> Self {
        self.project.analyses.extend(analyses);
        self
    }

    /// Lets `--charts DIR` draw the analysis results with `charts`.
    pub fn charts(mut self, charts: Charts) -> Self {
        self.project.charts = Some(charts);
        self
    }

    /// Adds a check of the project's own.
    pub fn check(mut self, table: &'static Table, name: &str, offending: &str) -> Self {
        self.project.checks.push(Check {
            table,
            name: name.to_owned(),
            offending: offending.to_owned(),
        });
        self
    }

    /// Lets `dwh gen` and `dwh all` without `--data` write sample data.
    pub fn generator(mut self, generator: impl Generator + 'static) -> Self {
        self.project.generator = Some(Arc::new(generator));
        self
    }

    /// The data folder `dwh all` and `dwh load` read when no `--data` is
    /// given and there is no generator: typically the project's own
    /// `concat!(env!("CARGO_MANIFEST_DIR"), "/data")`.
    pub fn data_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.project.data_dir = Some(dir.into());
        self
    }

    /// The project, or the first thing that does not hold together.
    pub fn build(mut self) -> Result<Project, ProjectError> {
        if let Some(e) = self.errors.drain(..).next() {
            return Err(e);
        }
        let mut project = self.project;
        check_name(&project.name)?;
        check_sources(&project)?;
        let mut keys: Vec<&str> = project.analyses.iter().map(|a| a.key()).collect();
        keys.sort_unstable();
        if let Some(w) = keys.windows(2).find(|w| w[0] == w[1]) {
            return Err(ProjectError::DuplicateAnalysis(w[0].to_owned()));
        }
        let order: Vec<&str> = project.schema.tables().iter().map(|t| t.name).collect();
        project.sources.sort_by_key(|s| {
            order
                .iter()
                .position(|n| *n == s.table.name)
                .unwrap_or(usize::MAX)
        });
        Ok(project)
    }
}

fn check_name(name: &str) -> Result<(), ProjectError> {
    let plain = name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.len() <= 40
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if plain {
        Ok(())
    } else {
        Err(ProjectError::BadName(name.to_owned()))
    }
}

fn check_sources(project: &Project) -> Result<(), ProjectError> {
    for source in &project.sources {
        if !project
            .schema
            .tables()
            .iter()
            .any(|t| t.name == source.table.name && t.kind == TableKind::Staging)
        {
            return Err(ProjectError::NotStaging {
                table: source.table.name,
                dir: source.dir.clone(),
            });
        }
        let plain = !source.dir.is_empty()
            && source.dir.split('/').all(|part| {
                !part.is_empty() && part != "." && part != ".." && !part.contains('\\')
            });
        if !plain {
            return Err(ProjectError::BadDir(source.dir.clone()));
        }
        check_format(source)?;
    }
    for table in project.schema.tables() {
        if table.kind != TableKind::Staging {
            continue;
        }
        match project
            .sources
            .iter()
            .filter(|s| s.table.name == table.name)
            .count()
        {
            0 => return Err(ProjectError::NoSource(table.name)),
            1 => {}
            _ => return Err(ProjectError::TwoSources(table.name)),
        }
    }
    // Folder names double as S3 key parts and manifest names.
    for source in &project.sources {
        for part in source.dir.split('/') {
            if validate_ident(part).is_err() && !part.chars().all(is_key_char) {
                return Err(ProjectError::BadDir(source.dir.clone()));
            }
        }
    }
    Ok(())
}

/// A source's format must be readable and fit its pattern: Parquet
/// compresses inside the file, so a pattern of gzipped Parquet files is
/// refused rather than left to fail on the first file.
fn check_format(source: &StagingSource) -> Result<(), ProjectError> {
    let error = |reason: String| ProjectError::Format {
        dir: source.dir.clone(),
        reason,
    };
    source.format.check().map_err(error)?;
    if !source.format.allows_gzip() && is_gzipped(source.pattern.as_str()) {
        return Err(error(format!(
            "pattern `{}` names gzipped {} files; {} is compressed inside the file, so load \
             the files as they are",
            source.pattern.as_str(),
            source.format,
            source.format
        )));
    }
    Ok(())
}

fn is_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
}

#[cfg(test)]
mod tests;
