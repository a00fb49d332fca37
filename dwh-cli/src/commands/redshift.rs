//! `dwh all --target redshift`: the cluster as the pipeline's target. The
//! work is dwh-redshift's (`dwh_redshift::target`: find the cluster, log
//! in, upload, COPY staging); this runs it with the command line's steps
//! and spinners and hands the pipeline its plan.

use std::future::Future;
use std::path::Path;

use dwh_core::sql::Parts;
use dwh_core::{Project, Warehouse};
use dwh_redshift::target::{self, Options, Steps};

pub use dwh_redshift::target::{
    attached_role, find_cluster, login, Prepared as Cluster, RedshiftRun,
};

use super::console::Console;
use crate::cli::AllArgs;
use crate::location::Location;

/// Each library step as a step of the run: a spinner, then its line.
impl Steps for Console {
    fn step<T, F>(
        &mut self,
        name: &str,
        rows: impl Fn(&T) -> Option<u64>,
        work: F,
    ) -> impl Future<Output = anyhow::Result<T>>
    where
        F: Future<Output = anyhow::Result<T>>,
    {
        Console::step(self, name, rows, work)
    }
}

/// Connects to the cluster of dwh.toml, reads its load ledger, and renders
/// the run with a COPY per staging table that has new files
/// ([`target::prepare`]).
pub async fn prepare(
    console: &mut Console,
    args: &AllArgs,
    project: &Project,
    parts: Parts,
) -> anyhow::Result<Cluster> {
    let options = Options {
        config: args.target.config.clone(),
        // An S3 `--data` is refused before (commands::args).
        data: match &args.data.data {
            Some(Location::Local(dir)) => Some(dir.clone()),
            _ => None,
        },
        max_errors: args.data.max_errors,
        policy: args.data.policy(false),
    };
    target::prepare(console, &options, project, parts).await
}

/// Connects to the cluster of `config` for `dwh plan`, `dwh migrate` and
/// `dwh docs` ([`target::connect_cluster`]).
pub async fn connect_cluster(
    console: &mut Console,
    config: &Path,
    project: &Project,
) -> anyhow::Result<Warehouse> {
    target::connect_cluster(console, config, project).await
}

/// Sends dwh-redshift's lines through dwh's streams (see `out`), its
/// tables through `ui::table` and its spinners through `ui::spinner`.
pub fn install_console() {
    dwh_redshift::console::install(Terminal);
}

/// dwh-redshift's console on dwh's terminal.
struct Terminal;

impl dwh_redshift::console::Console for Terminal {
    fn out(&self, text: std::fmt::Arguments) {
        crate::out::stdout(text);
    }

    fn err(&self, text: std::fmt::Arguments) {
        crate::out::stderr(text);
    }

    fn table(&self, header: &[&str], rows: Vec<Vec<String>>) -> String {
        crate::ui::table(header, rows).to_string()
    }

    fn spinner(&self, message: String) -> Box<dyn dwh_redshift::console::Spinner> {
        Box::new(Spinner(crate::ui::spinner(message)))
    }
}

struct Spinner(indicatif::ProgressBar);

impl dwh_redshift::console::Spinner for Spinner {
    fn set_message(&self, message: String) {
        self.0.set_message(message);
    }

    fn finish_and_clear(&self) {
        self.0.finish_and_clear();
    }
}
