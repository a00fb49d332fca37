//! Running the probes on a connection, one by one, each judged by its
//! [`Expect`]. A failure inside the run transaction rolls it back and
//! leaves the rest of it not reached; the probes after it (the bad record,
//! the ALTERs, the cleanup) still run, so the scratch schema is dropped
//! whatever happened.

use std::collections::BTreeMap;

use tokio_postgres::Client;

use super::probe::{Expect, Probe, Shape};

/// What became of one probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// It did what its [`Expect`] asks.
    Passed,
    /// It did not: the server's error, or what was missing.
    Failed(String),
    /// An earlier statement of the run transaction failed.
    NotReached,
}

/// A probe and its verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The probe run.
    pub probe: Probe,
    /// What became of it.
    pub verdict: Verdict,
}

/// Runs `probes` in order on `client` (a session of its own: the probes
/// set its search_path) and gives each one's verdict. The run
/// transaction's probes carry its own BEGIN and COMMIT; after a failure
/// among them it is rolled back and the rest of them are not reached.
/// `on_each` sees every outcome as it comes, for progress.
pub async fn run_probes(
    client: &Client,
    probes: &[Probe],
    mut on_each: impl FnMut(&Outcome),
) -> Vec<Outcome> {
    let mut out = Vec::with_capacity(probes.len());
    let mut aborted = false;
    for probe in probes {
        let verdict = if probe.in_transaction && aborted {
            Verdict::NotReached
        } else {
            judge(client, probe).await
        };
        if probe.in_transaction && matches!(verdict, Verdict::Failed(_)) && !aborted {
            aborted = true;
            if let Err(e) = client.batch_execute("ROLLBACK").await {
                tracing::debug!("ROLLBACK after a failed probe: {e}");
            }
        }
        let outcome = Outcome {
            probe: probe.clone(),
            verdict,
        };
        on_each(&outcome);
        out.push(outcome);
    }
    out
}

/// Runs one probe and judges it by its [`Expect`].
async fn judge(client: &Client, probe: &Probe) -> Verdict {
    match (client.simple_query(&probe.sql).await, probe.expect) {
        (Ok(_), Expect::Success) => Verdict::Passed,
        (Ok(messages), Expect::Rows) => {
            let rows = messages
                .iter()
                .filter(|m| matches!(m, tokio_postgres::SimpleQueryMessage::Row(_)))
                .count();
            if rows > 0 {
                Verdict::Passed
            } else {
                Verdict::Failed("returned no row".into())
            }
        }
        (Ok(_), Expect::Failure) => Verdict::Failed("succeeded, but must fail".into()),
        (Err(_), Expect::Failure) => Verdict::Passed,
        (Err(e), _) => Verdict::Failed(error_text(&e)),
    }
}

/// The server's own message (code and text), not the driver's wrapper.
fn error_text(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => e.to_string(),
    }
}

/// Per shape, in [`Shape`] order: passed when every probe of it passed,
/// else its first failure (or "not reached").
pub fn by_shape(outcomes: &[Outcome]) -> BTreeMap<Shape, Verdict> {
    let mut out: BTreeMap<Shape, Verdict> = BTreeMap::new();
    for outcome in outcomes {
        let entry = out.entry(outcome.probe.shape).or_insert(Verdict::Passed);
        if *entry == Verdict::Passed && outcome.verdict != Verdict::Passed {
            *entry = match &outcome.verdict {
                Verdict::Failed(why) => Verdict::Failed(format!("{}: {why}", outcome.probe.label)),
                other => other.clone(),
            };
        }
    }
    out
}
