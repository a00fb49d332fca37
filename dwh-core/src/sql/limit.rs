//! A row limit rendered as a literal, not bound as a parameter.
//!
//! Redshift's `LIMIT` takes a positive integer up to 2147483647
//! (<https://docs.aws.amazon.com/redshift/latest/dg/r_ORDER_BY_clause.html>),
//! and Redshift infers a parameter's type differently from PostgreSQL, so a
//! `LIMIT $1` bound with an `i64` that works locally can fail on the
//! cluster after the star schema has committed. A validated literal means
//! the same on both engines.

use std::fmt;

/// A `LIMIT` count: 0 ..= 2147483647 (`i32::MAX`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Limit(u32);

/// A limit outside what Redshift accepts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a row limit of {0} is out of range: expected 0 to 2147483647 (Redshift's LIMIT is a 32-bit integer)")]
pub struct LimitError(pub i64);

impl Limit {
    /// The largest limit Redshift accepts.
    pub const MAX: Limit = Limit(i32::MAX as u32);

    /// A limit of `rows`; fails outside `0..=i32::MAX`.
    pub fn new(rows: i64) -> Result<Limit, LimitError> {
        match i32::try_from(rows) {
            Ok(n) if n >= 0 => Ok(Limit(n as u32)),
            _ => Err(LimitError(rows)),
        }
    }

    /// The limit as a number.
    pub fn get(self) -> u32 {
        self.0
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl std::str::FromStr for Limit {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let n: i64 = s
            .trim()
            .parse()
            .map_err(|_| format!("`{s}` is not a whole number"))?;
        Limit::new(n).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_int4_and_not_negative() {
        assert_eq!(Limit::new(5).unwrap().to_string(), "5");
        assert_eq!(Limit::new(0).unwrap().get(), 0);
        assert_eq!(Limit::new(2_147_483_647).unwrap(), Limit::MAX);
        assert_eq!(Limit::new(2_147_483_648), Err(LimitError(2_147_483_648)));
        assert_eq!(Limit::new(-1), Err(LimitError(-1)));
        assert!("9999999999"
            .parse::<Limit>()
            .unwrap_err()
            .contains("2147483647"));
        assert!("x".parse::<Limit>().is_err());
    }
}
