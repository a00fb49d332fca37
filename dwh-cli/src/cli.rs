//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use dwh_core::load::policy::BatchPolicy;
use dwh_core::sql::Limit;

use crate::location::Location;

#[derive(Debug, Parser)]
#[command(
    name = "dwh",
    version,
    about = "Build and check a typed star-schema data warehouse on Amazon Redshift or a local PostgreSQL",
    long_about = "Build and check a typed star-schema data warehouse on Amazon Redshift or a local PostgreSQL.\n\n\
                  `all` runs the whole pipeline of this warehouse on a PostgreSQL server that dwh starts itself: \
                  create tables, load staging, build the star schema, check it and analyse it."
)]
pub struct Cli {
    /// Print debug logs to stderr: connections, SQL statements, engine
    /// commands (secrets are redacted). `RUST_LOG` picks other levels.
    #[arg(long, global = true)]
    pub debug: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the whole pipeline: engine, tables, staging, star schema, checks, analysis
    All(AllArgs),
    /// Print the DDL of the schema (no network)
    Ddl(DdlArgs),
    /// Draw the star schema as Mermaid, Graphviz DOT and SVG (no network)
    Diagram(DiagramArgs),
    /// Write the warehouse as a static web site: tables, lineage, last run (no network)
    Docs(DocsArgs),
    /// Create the tables that do not exist yet (and register them as dwh's)
    CreateTables(CreateTablesArgs),
    /// Drop the tables dwh created (asks first unless --yes)
    DropTables(DropTablesArgs),
    /// Show how the warehouse's tables differ from the structs, and the statements that would
    /// close it (exit 2 when there is something to migrate)
    Plan(PlanArgs),
    /// Apply `dwh plan`: alter the tables to match the structs, keeping every row
    Migrate(MigrateArgs),
    /// Load staging tables from JSON files
    Load(LoadArgs),
    /// Build dimensions and facts from staging, in one transaction
    Transform(WarehouseArgs),
    /// Run the data-quality checks (derived from the schema, and the project's own)
    Check(WarehouseArgs),
    /// Run the project's analyses and print them as tables
    Analyze(AnalyzeArgs),
    /// Generate sample data with the project's generator, deterministically
    Gen(GenArgs),
    /// Manage the local PostgreSQL engine
    Local {
        #[command(subcommand)]
        command: LocalCommand,
    },
    /// Create or adopt the AWS resources: IAM role, security group, Redshift cluster
    #[cfg_attr(not(feature = "redshift"), command(hide = true))]
    Provision(ProvisionArgs),
    /// Show each AWS resource dwh manages (exit 3 when the cluster is not available)
    #[cfg_attr(not(feature = "redshift"), command(hide = true))]
    Status(AwsArgs),
    /// Prove on the cluster that Redshift runs each kind of statement dwh uses (exit 2 when one fails)
    #[cfg_attr(not(feature = "redshift"), command(hide = true))]
    Doctor(DoctorArgs),
    /// Let one network reach the cluster port (never the whole internet unless --allow-public)
    #[cfg_attr(not(feature = "redshift"), command(hide = true))]
    OpenPort(OpenPortArgs),
    /// Upload the data to S3 as compressed parts with COPY manifests and jsonpaths
    #[cfg_attr(not(feature = "redshift"), command(hide = true))]
    Upload(UploadArgs),
    /// Delete the cluster, its security group and the IAM role (asks first unless --yes)
    #[cfg_attr(not(feature = "redshift"), command(hide = true))]
    Teardown(TeardownArgs),
    /// Write dwh.toml from a classic dwh.cfg, or show the effective configuration
    #[cfg_attr(not(feature = "redshift"), command(hide = true))]
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Start a new warehouse: a cargo project with a schema, analyses and sample data
    New(crate::commands::new::NewArgs),
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiagramFormat {
    /// Mermaid erDiagram (star-schema.mmd)
    Mermaid,
    /// Graphviz DOT (star-schema.dot)
    Dot,
    /// SVG, drawn by dwh itself: no Graphviz needed (star-schema.svg)
    Svg,
    /// Every format above
    All,
}

#[derive(Debug, Args)]
pub struct DiagramArgs {
    /// What to draw (default: mermaid on stdout, all with --out)
    #[arg(long, value_enum)]
    pub format: Option<DiagramFormat>,
    /// Write star-schema.{mmd,dot,svg} into this directory instead of printing
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// `target/` because the site is generated output: every Cargo project
/// ignores it in git, and `cargo doc` puts its own site there too.
pub const DOCS_OUT: &str = "target/dwh-docs";

#[derive(Debug, Args)]
pub struct DocsArgs {
    /// Directory to write the site into (created if missing)
    #[arg(long, value_name = "DIR", default_value = DOCS_OUT)]
    pub out: PathBuf,
    /// A run report written by `dwh all --report FILE`, shown as the "Last run" page
    /// [default: the last run recorded in the warehouse, when there is one]
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Leave out the "Last run" page: read neither a report nor the warehouse
    #[arg(long, conflicts_with = "report")]
    pub no_run: bool,
    /// Read the last run from this PostgreSQL server instead of the local engine
    #[arg(
        long,
        env = "DWH_DATABASE_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub database_url: Option<String>,
    /// Read the last run from the local engine's demo database only
    /// [default: whichever of its databases ran last]
    #[arg(long, conflicts_with = "database_url")]
    pub demo: bool,
    /// Rows in each ranked list of the analyses read from the warehouse
    #[arg(long, default_value = "5")]
    pub top: Limit,
    #[command(flatten)]
    pub local: LocalArgs,
    #[command(flatten)]
    pub target: TargetArgs,
    /// Open index.html in the desktop's browser (xdg-open or open)
    #[arg(long)]
    pub open: bool,
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
    /// Fail at once, instead of waiting, when another dwh run is writing to the warehouse
    #[arg(long)]
    pub no_wait: bool,
    /// Use the project's demo database on the local engine (NAME_demo), where `dwh all` without --data builds
    #[arg(long, conflicts_with = "database_url")]
    pub demo: bool,
    #[command(flatten)]
    pub local: LocalArgs,
}

#[derive(Debug, Args)]
pub struct CreateTablesArgs {
    #[command(flatten)]
    pub warehouse: WarehouseArgs,
    /// Take over the tables of a warehouse built by a dwh release from before dwh_registry
    /// (only tables whose columns are exactly the declared ones)
    #[arg(long)]
    pub adopt: bool,
}

#[derive(Debug, Args)]
pub struct DropTablesArgs {
    #[command(flatten)]
    pub warehouse: WarehouseArgs,
    /// Do not ask for confirmation (required when stdin is not a terminal)
    #[arg(long)]
    pub yes: bool,
}

#[derive(Debug, Clone, Args)]
pub struct DataArgs {
    /// Data directory (one folder per staging table, as the project declares), or
    /// s3://bucket/prefix holding them; default: the project's data or a generated data set
    #[arg(long, value_name = "DIR|S3_URI", value_parser = Location::parse)]
    pub data: Option<Location>,
    /// Bad records to skip (into a rejects file) before a load fails
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub max_errors: u64,
    /// Where records skipped by --max-errors go, one JSON object per line (one file per
    /// table) [default: rejects.jsonl]
    #[arg(long, value_name = "FILE")]
    pub rejects: Option<PathBuf>,
    /// Rebuild from every file: forget the load ledger and empty the star schema in the run's
    /// transaction, then load all files (by default a run loads only files not loaded before)
    #[arg(long)]
    pub full_refresh: bool,
    /// When a file loaded before has changed, rebuild from every file as with --full-refresh
    /// instead of stopping (by default a changed file is an error that names it)
    #[arg(long, conflicts_with = "full_refresh")]
    pub reload_changed: bool,
    /// Let --full-refresh or --reload-changed rebuild without the files loaded before that are
    /// gone from the data folder, dropping their rows (by default such a rebuild is refused and
    /// names them)
    #[arg(long)]
    pub allow_missing_files: bool,
}

impl DataArgs {
    /// The run's batch policy: `--full-refresh`, `--reload-changed`,
    /// `--allow-missing-files`; `generated`: the data is the project's
    /// generated demo data.
    pub fn policy(&self, generated: bool) -> BatchPolicy {
        BatchPolicy {
            full_refresh: self.full_refresh,
            reload_changed: self.reload_changed,
            allow_missing_files: self.allow_missing_files,
            generated,
        }
    }

    /// The rejects file `--max-errors` writes to.
    pub fn rejects_file(&self) -> PathBuf {
        self.rejects
            .clone()
            .unwrap_or_else(|| PathBuf::from("rejects.jsonl"))
    }
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
    #[arg(long, default_value = "5")]
    pub top: Limit,
    /// Also draw the analyses as SVG charts into this directory
    #[arg(long, value_name = "DIR")]
    pub charts: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct AllArgs {
    #[command(flatten)]
    pub warehouse: WarehouseArgs,
    #[command(flatten)]
    pub data: DataArgs,
    /// How much data to generate when no --data is given, in the generator's unit (events for
    /// Sparkify) [default: the generator's]
    #[arg(long, visible_alias = "events", value_name = "N")]
    pub size: Option<u64>,
    /// Start clean: drop and recreate dwh's own tables inside the run's transaction
    /// (a failed run keeps the old warehouse)
    #[arg(long)]
    pub fresh: bool,
    /// Write a JSON run report (steps, rows, durations, table counts, checks)
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Rows in each ranked list of the analysis
    #[arg(long, default_value = "5")]
    pub top: Limit,
    /// Also draw the analyses as SVG charts into this directory
    #[arg(long, value_name = "DIR")]
    pub charts: Option<PathBuf>,
    #[command(flatten)]
    pub target: TargetArgs,
}

/// Where a command runs or looks: the local engine, or the cluster of dwh.toml.
#[derive(Debug, Args)]
pub struct TargetArgs {
    /// Where the warehouse is: the local engine (or --database-url), or the cluster of dwh.toml
    #[arg(long, value_enum, default_value = "local")]
    pub target: Target,
    /// The AWS configuration file, for --target redshift
    #[arg(
        long,
        env = "DWH_CONFIG",
        value_name = "FILE",
        default_value = "dwh.toml"
    )]
    pub config: PathBuf,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Each table that differs is listed with its changes and the statements `dwh migrate` \
    would run, each marked safe (catalog only, or adds), rewrite (rewrites data, loses none) or \
    destructive (may lose data: a dropped column, a narrower type), and whether it runs inside the \
    migration's transaction. Tables that do not exist yet are listed as `create`.\n\n\
    Exit status: 0 when the warehouse matches the structs, 2 when there is something to migrate, \
    1 on an error. Reads only."
)]
pub struct PlanArgs {
    #[command(flatten)]
    pub warehouse: WarehouseArgs,
    /// Print the plan as JSON on stdout (tables, changes, statements with their safety)
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub target: TargetArgs,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Runs the plan of `dwh plan` under the run lock, in one transaction: on an error \
    nothing changes. On Redshift, ALTER COLUMN … TYPE and the DISTSTYLE, SORTKEY and ENCODE \
    changes cannot run in a transaction block; they run one by one after the commit. What Redshift \
    cannot alter in place (another type of a sort or dist key column, a narrower type, an \
    interleaved sort key, a dropped column) is rebuilt by a deep copy inside the transaction."
)]
pub struct MigrateArgs {
    #[command(flatten)]
    pub warehouse: WarehouseArgs,
    /// Also run destructive steps (dropped columns, narrower or other types: data may be lost)
    #[arg(long)]
    pub allow_destructive: bool,
    #[command(flatten)]
    pub target: TargetArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Target {
    /// The local PostgreSQL engine (or --database-url)
    Local,
    /// The Redshift cluster of dwh.toml: data from `dwh upload`, SQL over TLS
    Redshift,
}

#[derive(Debug, Args)]
pub struct GenArgs {
    /// How much to generate, in the generator's unit (events for Sparkify)
    /// [default: the generator's]
    #[arg(long, visible_alias = "events", value_name = "N")]
    pub size: Option<u64>,
    /// Seed: the same seed gives byte-identical files
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Output directory (one folder per staging source is written below it): empty, new, or
    /// written by an earlier `dwh gen`, whose files are replaced
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Write into a non-empty directory that `dwh gen` did not write (its files may be
    /// overwritten)
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Runs one statement of each shape the pipeline and `dwh migrate` use on \
    the cluster of dwh.toml, in a scratch schema `dwh_doctor_<time>` that it drops afterwards: the \
    catalog reads, LOCK first in the run transaction, CREATE TABLE (and … LIKE), a COPY of tiny \
    files it uploads below s3.prefix/doctor/ through the attached role, a deliberately bad record \
    and its STL_LOAD_ERRORS rows, window functions, MERGE, UPDATE … FROM and the ALTER TABLE \
    forms of migrate. Your tables are not touched.\n\n\
    Prints pass or fail per shape with Redshift's own error; paste it into a bug report.\n\n\
    Exit status: 0 when every shape passed, 2 when one failed, 1 when the doctor could not run."
)]
pub struct DoctorArgs {
    /// The cluster to check: only `redshift` (the local engine's SQL is checked by dwh's tests)
    #[arg(long, value_enum, default_value = "redshift")]
    pub target: Target,
    #[command(flatten)]
    pub aws: AwsArgs,
}

/// The AWS commands' configuration. AWS credentials never come from here:
/// the SDK's default chain (AWS_PROFILE with `aws sso login`, environment).
#[derive(Debug, Clone, Args)]
pub struct AwsArgs {
    /// dwh.toml: cluster, IAM role, bucket, allowed network (DWH_* variables override it)
    #[arg(
        long,
        env = "DWH_CONFIG",
        value_name = "FILE",
        default_value = "dwh.toml"
    )]
    pub config: PathBuf,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Prints the plan (create / adopt / update) before acting. Re-running adopts \
    what exists and resumes after a failure or a timeout. The cluster is private and encrypted; its \
    admin password is kept by AWS Secrets Manager unless DWH_DB_PASSWORD is set."
)]
pub struct ProvisionArgs {
    #[command(flatten)]
    pub aws: AwsArgs,
    /// Print the plan and change nothing
    #[arg(long)]
    pub plan: bool,
    /// Minutes to wait for the cluster to become available
    #[arg(long, value_name = "MINUTES", default_value_t = 40)]
    pub timeout: u64,
}

#[derive(Debug, Args)]
pub struct OpenPortArgs {
    #[command(flatten)]
    pub aws: AwsArgs,
    /// The network to let in, e.g. 203.0.113.0/24 (default: network.allowed_cidr)
    #[cfg(feature = "redshift")]
    #[arg(long, value_name = "CIDR")]
    pub cidr: Option<dwh_redshift::aws::ec2::Cidr>,
    /// The network to let in (needs the `redshift` feature)
    #[cfg(not(feature = "redshift"))]
    #[arg(long, value_name = "CIDR")]
    pub cidr: Option<String>,
    /// Allow 0.0.0.0/0 or ::/0, the whole internet (flagged critical by AWS Security Hub)
    #[arg(long)]
    pub allow_public: bool,
}

#[derive(Debug, Args)]
pub struct UploadArgs {
    #[command(flatten)]
    pub aws: AwsArgs,
    /// Data directory (one folder per staging table, as the project declares)
    #[arg(long, value_name = "DIR")]
    pub data: PathBuf,
}

#[derive(Debug, Args)]
#[command(
    after_help = "The data bucket is kept. Re-running finishes a teardown that stopped half-way."
)]
pub struct TeardownArgs {
    #[command(flatten)]
    pub aws: AwsArgs,
    /// Do not ask for confirmation
    #[arg(long)]
    pub yes: bool,
    /// Delete the cluster without a final snapshot (its data is lost)
    #[arg(long)]
    pub skip_final_snapshot: bool,
    /// Minutes to wait for the cluster to be deleted
    #[arg(long, value_name = "MINUTES", default_value_t = 40)]
    pub timeout: u64,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Convert a classic dwh.cfg (CLUSTER, IAM_ROLE, S3, DWH, AWS sections) to dwh.toml, dropping secrets
    Import {
        /// The INI file
        file: PathBuf,
        /// Where to write
        #[arg(long, default_value = "dwh.toml")]
        out: PathBuf,
        /// Overwrite an existing file
        #[arg(long)]
        force: bool,
    },
    /// Print the effective configuration (file, defaults and DWH_* overrides)
    Show(AwsArgs),
}
