//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "dwh",
    version,
    about = "Build and check a typed star-schema data warehouse on Amazon Redshift or a local PostgreSQL",
    long_about = "Build and check a typed star-schema data warehouse on Amazon Redshift or a local PostgreSQL.\n\n\
                  `dwh all` runs the whole Sparkify pipeline on a PostgreSQL server that dwh starts itself: \
                  create tables, load staging, build the star schema, check it and analyse it."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the whole pipeline: engine, tables, staging, star schema, checks, analysis
    All(AllArgs),
    /// Print the DDL of the Sparkify schema (no network)
    Ddl(DdlArgs),
    /// Create the tables that do not exist yet
    CreateTables(WarehouseArgs),
    /// Drop every table of the schema
    DropTables(WarehouseArgs),
    /// Load staging tables from JSON files
    Load(LoadArgs),
    /// Build dimensions and facts from staging, in one transaction
    Transform(WarehouseArgs),
    /// Run the data-quality checks derived from the schema
    Check(WarehouseArgs),
    /// Run the built-in analyses and print them as tables
    Analyze(AnalyzeArgs),
    /// Generate Sparkify-shaped data, deterministically
    Gen(GenArgs),
    /// Manage the local PostgreSQL engine
    Local {
        #[command(subcommand)]
        command: LocalCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum LocalCommand {
    /// Start the local engine (or reuse the running one) and print its URL
    Start(LocalArgs),
    /// Stop the local engine
    Stop(LocalArgs),
    /// Print the connection string of the local engine, starting it if needed
    Url(LocalArgs),
    /// Show whether the local engine runs
    Status(LocalArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DialectArg {
    Redshift,
    Postgres,
}

#[derive(Debug, Args)]
pub struct DdlArgs {
    /// The SQL dialect to print
    #[arg(long, value_enum, default_value = "redshift")]
    pub dialect: DialectArg,
    /// Print the jsonpaths document of this staging table instead
    #[arg(long, value_name = "TABLE")]
    pub jsonpaths: Option<String>,
    /// Also print the load (transform) statements
    #[arg(long)]
    pub loads: bool,
}

#[derive(Debug, Clone, Args)]
pub struct LocalArgs {
    /// Directory of the local engine (default: target/dwh-local of this checkout)
    #[arg(long, env = "DWH_LOCAL_DIR", value_name = "DIR")]
    pub local_dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct WarehouseArgs {
    /// Use an existing PostgreSQL server instead of the local engine
    #[arg(
        long,
        env = "DWH_DATABASE_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub database_url: Option<String>,
    #[command(flatten)]
    pub local: LocalArgs,
}

#[derive(Debug, Clone, Args)]
pub struct DataArgs {
    /// Sparkify data directory (with log_data/ and song_data/); default: generate a small data set
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// Bad records to skip (into a rejects file) before a load fails
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub max_errors: u64,
    /// Where skipped records go, one JSON object per line (one file per table)
    #[arg(long, value_name = "FILE", default_value = "rejects.jsonl")]
    pub rejects: PathBuf,
}

#[derive(Debug, Args)]
pub struct LoadArgs {
    #[command(flatten)]
    pub warehouse: WarehouseArgs,
    #[command(flatten)]
    pub data: DataArgs,
}

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    #[command(flatten)]
    pub warehouse: WarehouseArgs,
    /// Rows in each ranked list
    #[arg(long, default_value_t = 5)]
    pub top: i64,
}

#[derive(Debug, Args)]
pub struct AllArgs {
    #[command(flatten)]
    pub warehouse: WarehouseArgs,
    #[command(flatten)]
    pub data: DataArgs,
    /// Events to generate when no --data is given
    #[arg(long, default_value_t = 20_000)]
    pub events: u64,
    /// Write a JSON run report (steps, rows, durations, table counts, checks)
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Rows in each ranked list of the analysis
    #[arg(long, default_value_t = 5)]
    pub top: i64,
}

#[derive(Debug, Args)]
pub struct GenArgs {
    /// Number of log events
    #[arg(long, default_value_t = 10_000)]
    pub events: u64,
    /// Number of songs
    #[arg(long, default_value_t = 500)]
    pub songs: u64,
    /// Seed: the same seed gives byte-identical files
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Output directory (log_data/ and song_data/ are written below it)
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}
