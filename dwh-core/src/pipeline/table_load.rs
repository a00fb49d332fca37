//! A star-schema table's load as the executor follows it: its rows before,
//! what its statements wrote, and from those its rows after.

use std::time::Instant;

use crate::schema::Table;
use crate::sql::quote_ident;

/// A star-schema table's load under way.
pub(super) struct TableLoad {
    pub table: &'static Table,
    pub rows_before: u64,
    pub started: Instant,
    /// Rows of the table its writes changed so far.
    pub changed: u64,
    /// Rows its INSERTs added, less those its DELETEs removed.
    added: i64,
    /// A write whose count does not tell what it added (a MERGE) ran: the
    /// rows after the load are counted.
    count_after: bool,
    pub analyzed: bool,
}

impl TableLoad {
    /// A load starting now on a table of `rows_before` rows.
    pub fn new(table: &'static Table, rows_before: u64) -> TableLoad {
        TableLoad {
            table,
            rows_before,
            started: Instant::now(),
            changed: 0,
            added: 0,
            count_after: false,
            analyzed: false,
        }
    }

    /// Takes in what one statement wrote into the table.
    pub fn wrote(&mut self, write: Write, rows: u64) {
        self.changed += rows;
        let rows = i64::try_from(rows).unwrap_or(i64::MAX);
        match write {
            Write::Insert => self.added += rows,
            Write::Delete => self.added -= rows,
            Write::Update => {}
            Write::Merge => self.count_after = true,
        }
    }

    /// The table's rows after the load, when its writes' counts tell them.
    pub fn rows_after(&self) -> Option<u64> {
        let rows = i64::try_from(self.rows_before)
            .ok()?
            .checked_add(self.added)?;
        (!self.count_after)
            .then(|| u64::try_from(rows).ok())
            .flatten()
    }
}

/// How a statement writes into the table being loaded, by its verb.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Write {
    Insert,
    Update,
    Delete,
    /// Its count, where there is one, adds the rows it updated to those it
    /// inserted. PostgreSQL's command tag is `MERGE <total_count>`
    /// (<https://www.postgresql.org/docs/15/sql-merge.html>, "Outputs");
    /// Redshift's MERGE page documents none
    /// (<https://docs.aws.amazon.com/redshift/latest/dg/r_MERGE.html>), and
    /// a tag without a number reads as 0: a MERGE always has the table
    /// counted after it, whatever its count says.
    Merge,
}

impl Write {
    /// How `sql` writes into `table`, if it does.
    pub fn of(sql: &str, table: &Table) -> Option<Write> {
        let target = quote_ident(table.name);
        [
            ("INSERT INTO", Write::Insert),
            ("UPDATE", Write::Update),
            ("MERGE INTO", Write::Merge),
            ("DELETE FROM", Write::Delete),
        ]
        .into_iter()
        .find(|(verb, _)| sql.starts_with(&format!("{verb} {target}")))
        .map(|(_, write)| write)
    }
}

/// Whether a load that changed `changed` rows of a table that had
/// `rows_before` is worth an ANALYZE: a tenth or more, or a first load
/// ([`Action::AnalyzeChanged`]).
pub(super) fn worth_analyzing(rows_before: u64, changed: u64) -> bool {
    rows_before == 0 || changed.saturating_mul(10) >= rows_before
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::TableKind;

    static PLAYS: Table = Table::new("plays", TableKind::Fact);

    #[test]
    fn a_tenth_of_the_rows_or_a_first_load_is_worth_an_analyze() {
        assert!(worth_analyzing(0, 0));
        assert!(worth_analyzing(1000, 100));
        assert!(!worth_analyzing(1000, 99));
        assert!(!worth_analyzing(863_019, 219));
    }

    #[test]
    fn writes_are_told_by_their_verb_and_target() {
        let of = |sql: &str| Write::of(sql, &PLAYS);
        assert_eq!(
            of("INSERT INTO \"plays\" (a) SELECT 1"),
            Some(Write::Insert)
        );
        assert_eq!(of("UPDATE \"plays\" SET a = 1"), Some(Write::Update));
        assert_eq!(of("DELETE FROM \"plays\" WHERE a = 1"), Some(Write::Delete));
        assert_eq!(of("MERGE INTO \"plays\" AS t USING x"), Some(Write::Merge));
        assert_eq!(of("INSERT INTO \"plays_unmatched\" SELECT 1"), None);
        assert_eq!(of("ANALYZE \"plays\""), None);
    }

    #[test]
    fn rows_after_follow_inserts_and_deletes_and_a_merge_asks_for_a_count() {
        let mut load = TableLoad::new(&PLAYS, 1000);
        load.wrote(Write::Insert, 30);
        load.wrote(Write::Update, 500);
        load.wrote(Write::Delete, 10);
        assert_eq!(load.rows_after(), Some(1020));
        assert_eq!(load.changed, 540);
        // Redshift's MERGE may report no count: 0 does not mean nothing.
        load.wrote(Write::Merge, 0);
        assert_eq!(load.rows_after(), None);
    }
}
