//! Sample-data generators: a project may bring one, so that `dwh all`
//! without `--data` and `dwh gen` have data to load.

use std::path::Path;

/// Why generating failed.
pub type GenError = Box<dyn std::error::Error + Send + Sync>;

/// What a generator wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GenSummary {
    /// Files written.
    pub files: u64,
    /// Bytes written.
    pub bytes: u64,
    /// One line per staging folder, e.g. `log_data: 20,000 events`.
    pub lines: Vec<String>,
}

/// Writes sample data: one folder per staging source below `out`, files
/// matching the sources' patterns. The same `size` and `seed` must give
/// the same bytes.
pub trait Generator: Send + Sync {
    /// What `size` counts, plural (`events`): shown in `--help` and
    /// progress.
    fn unit(&self) -> &'static str;
    /// The size `dwh all` generates by default.
    fn default_size(&self) -> u64;
    /// The largest size accepted.
    fn max_size(&self) -> u64;
    /// Writes the data below `out`, which exists and is empty.
    fn generate(&self, out: &Path, size: u64, seed: u64) -> Result<GenSummary, GenError>;
}
