//! [`Step`]: one statement of a migration plan, and its [`Safety`].

use serde::Serialize;

/// How much a step risks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Safety {
    /// Changes the catalog only, or adds; no data is rewritten.
    Safe,
    /// Rewrites data without losing any (a deep copy, a wider integer).
    Rewrite,
    /// May lose data or fail on it: a dropped column, a narrower or other
    /// type. `dwh migrate` needs `--allow-destructive`.
    Destructive,
}

/// One statement of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    /// The SQL.
    pub sql: String,
    /// Its risk.
    pub safety: Safety,
    /// Whether it runs inside the migration's transaction; the others run
    /// one by one after the commit, in order.
    pub in_transaction: bool,
    /// Why it is there or why it runs outside the transaction.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<&'static str>,
}

pub(super) fn step(sql: String, safety: Safety, note: Option<&'static str>) -> Step {
    Step {
        sql,
        safety,
        in_transaction: true,
        note,
    }
}
