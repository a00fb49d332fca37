//! Data-quality queries derived from the schema.

use super::dialect::Dialect;
use super::ident::{quote_ident, quote_list, quote_literal};
use crate::catalog::Schema;
use crate::schema::{Load, Table, TableKind};

mod history;
mod source;

use source::{looked_up_from, lookup_found, lookup_join, reads_lookup, stored_value};

/// What a check reports when it read only the latest batch's rows: the
/// suffix of its label, both in a rendered plan and in its result.
pub const BATCH_ONLY: &str = " (rows of the latest batch)";

/// Natural keys that occur more than once: `(key, n)` rows.
pub fn duplicate_keys(table: &Table) -> String {
    duplicates(table, table.natural_key)
}

/// Values of `columns` that occur more than once: `(key, n)` rows.
fn duplicates(table: &Table, columns: &[&str]) -> String {
    let keys = quote_list(columns.iter().copied(), "");
    let key_text = columns
        .iter()
        .map(|k| format!("CAST({} AS VARCHAR(512))", quote_ident(k)))
        .collect::<Vec<_>>()
        .join(" || ', ' || ");
    format!(
        "SELECT {key_text} AS key, COUNT(*) AS n FROM {t} GROUP BY {keys} HAVING COUNT(*) > 1",
        t = quote_ident(table.name)
    )
}

/// Fact values with no matching dimension row: `(key, n)` rows. With
/// `batch` (a [`batch_join`]), only of the fact rows the latest batch holds.
pub fn orphans(
    fact: &Table,
    column: &str,
    dimension: &Table,
    key: &str,
    batch: Option<&str>,
) -> String {
    let (col, key) = (quote_ident(column), quote_ident(key));
    format!(
        "SELECT CAST(f.{col} AS VARCHAR(512)) AS key, COUNT(*) AS n FROM {fact} AS f{batch} \
         LEFT JOIN {dim} AS d ON f.{col} = d.{key} \
         WHERE f.{col} IS NOT NULL AND d.{key} IS NULL \
         GROUP BY f.{col}",
        fact = quote_ident(fact.name),
        dim = quote_ident(dimension.name),
        batch = batch.map(|b| format!(" {b}")).unwrap_or_default(),
    )
}

/// `JOIN (…) AS b ON f.<key> = b.… `: keeps the rows of `table` (as `f`)
/// whose natural key the batch in its staging source holds, read with the
/// load's own key expressions and filter: the rows the latest load wrote,
/// or found there already. `None` where the source gives no natural key
/// (keyless facts). A small batch probes the table's key (the local
/// engine's key index) instead of reading every row.
pub fn batch_join(table: &Table) -> Option<String> {
    let load = table.load.as_ref()?;
    let exprs = key_exprs(table);
    if exprs.is_empty() || exprs.len() != table.natural_key.len() {
        return None;
    }
    let keys: Vec<String> = exprs
        .iter()
        .enumerate()
        .map(|(i, e)| format!("{e} AS __dwh_k{i}"))
        .collect();
    let present: Vec<String> = exprs.iter().map(|e| format!("{e} IS NOT NULL")).collect();
    let on: Vec<String> = table
        .natural_key
        .iter()
        .enumerate()
        .map(|(i, k)| format!("f.{} = b.__dwh_k{i}", quote_ident(k)))
        .collect();
    Some(format!(
        "JOIN (SELECT DISTINCT {} {}) AS b ON {}",
        keys.join(", "),
        source_rows(load, &exprs, None, present),
        on.join(" AND ")
    ))
}

/// How many `(key, n)` rows a listing query returns, and the first `limit`
/// of them, most frequent first.
pub fn listing(query: &str, limit: u32) -> (String, String) {
    (
        format!("SELECT COUNT(*) AS n FROM ({query}) AS offenders"),
        format!("SELECT key, n FROM ({query}) AS offenders ORDER BY n DESC, key LIMIT {limit}"),
    )
}

/// The natural key's source expressions of a loaded table, in key order.
fn key_exprs(table: &Table) -> Vec<String> {
    table
        .natural_key
        .iter()
        .filter_map(|k| table.column(k))
        .filter_map(|c| stored_value(table, c))
        .collect()
}

/// `FROM source AS src`, with the lookups `exprs` use joined, then `join`,
/// and `WHERE` the load's filter plus `conditions`: the source rows as the
/// load sees them, without its de-duplication.
fn source_rows(
    load: &Load,
    exprs: &[String],
    join: Option<&str>,
    mut conditions: Vec<String>,
) -> String {
    let mut sql = format!("FROM {} AS src", quote_ident(load.source.name));
    for lookup in load.lookups {
        let used = std::iter::once(lookup.alias)
            .chain(lookup.joins.iter().map(|j| j.alias))
            .any(|alias| {
                let prefix = format!("{}.", quote_ident(alias));
                exprs.iter().any(|e| e.contains(&prefix))
            });
        if used {
            sql.push_str(&lookup_join(lookup));
        }
    }
    if let Some(join) = join {
        sql.push_str(&format!(" {join}"));
    }
    if let Some(filter) = load.filter {
        conditions.insert(0, format!("({filter})"));
    }
    if !conditions.is_empty() {
        sql.push_str(&format!(" WHERE {}", conditions.join(" AND ")));
    }
    sql
}

/// Source rows (after the load's filter) the table lacks: rows without a
/// natural key, which cannot be loaded, as one `(no natural key)` group,
/// and natural keys the loads should have brought but did not. `(key, n)`
/// rows, `n` source rows each.
///
/// One pass over the source: a LEFT JOIN of the filtered source rows on the
/// key expressions, not the loader's own row selection (its ROW_NUMBER
/// de-duplication), so a fault in that selection cannot hide itself.
pub fn missing_from_source(table: &Table) -> Option<String> {
    let load = table.load.as_ref()?;
    let exprs = key_exprs(table);
    if exprs.is_empty() || exprs.len() != table.natural_key.len() {
        return None;
    }
    let on = table
        .natural_key
        .iter()
        .zip(&exprs)
        .map(|(k, e)| format!("t.{} = {e}", quote_ident(k)))
        .collect::<Vec<_>>()
        .join(" AND ");
    let no_key = exprs
        .iter()
        .map(|e| format!("{e} IS NULL"))
        .collect::<Vec<_>>()
        .join(" OR ");
    let key_text = exprs
        .iter()
        .map(|e| format!("CAST({e} AS VARCHAR(512))"))
        .collect::<Vec<_>>()
        .join(" || ', ' || ");
    let key = format!("CASE WHEN {no_key} THEN '{NO_KEY}' ELSE {key_text} END");
    let absent = format!(
        "t.{} IS NULL",
        quote_ident(table.natural_key.first().copied()?)
    );
    let join = format!("LEFT JOIN {} AS t ON {on}", quote_ident(table.name));
    Some(format!(
        "SELECT {key} AS key, COUNT(*) AS n {} GROUP BY {key}",
        source_rows(
            load,
            &exprs,
            Some(&join),
            vec![format!("({no_key} OR {absent})")]
        ),
    ))
}

/// The key [`missing_from_source`] lists for source rows without one.
pub const NO_KEY: &str = "(no natural key)";

/// Source rows (after the filter) that have no natural key and so cannot
/// be loaded. One count.
pub fn keyless_source_rows(table: &Table) -> Option<String> {
    let load = table.load.as_ref()?;
    let exprs = key_exprs(table);
    if exprs.is_empty() {
        return None;
    }
    let nulls = exprs
        .iter()
        .map(|e| format!("{e} IS NULL"))
        .collect::<Vec<_>>()
        .join(" OR ");
    Some(format!(
        "SELECT COUNT(*) AS n {}",
        source_rows(load, &exprs, None, vec![format!("({nulls})")])
    ))
}

/// For a keyless fact: how many rows of the batch in staging (after the
/// load's filter, with the values the load stores) the fact lacks. One
/// count, 0 when every batch row was appended.
///
/// Count-exact: a keyless fact's identical rows are exactly the ones no key
/// tells apart, so each copy counts. Both sides number the copies of each
/// identical row (`ROW_NUMBER()` over all compared columns: the numbering
/// among equal rows cannot matter) before `EXCEPT`, so two staging copies
/// against one in the fact leave one row. Plain `EXCEPT` would drop the
/// duplicates first, and Redshift has no `EXCEPT ALL`
/// (<https://docs.aws.amazon.com/redshift/latest/dg/r_UNION.html>); its
/// `EXCEPT` compares whole rows, NULLs equal, as PostgreSQL's does.
///
/// Columns filled from a lookup are not compared: the fact keeps what the
/// lookup found when the row was appended, and a dimension member that
/// arrives later (in a `dwh transform` of a batch another `dwh load` added
/// to) would make the row look missing although it is there.
pub fn keyless_rows_missing(table: &Table) -> Option<String> {
    let load = table.load.as_ref().filter(|_| table.is_keyless())?;
    let compared: Vec<(&str, String)> = table
        .loaded_columns()
        .filter_map(|c| Some((c.name, stored_value(table, c)?)))
        .filter(|(_, value)| !reads_lookup(load, value))
        .collect();
    let columns = quote_list(compared.iter().map(|(name, _)| *name), "");
    let numbered = |rows: String| {
        format!(
            "SELECT {columns}, ROW_NUMBER() OVER (PARTITION BY {columns}) AS __dwh_copy FROM {rows}"
        )
    };
    let values: Vec<String> = compared
        .iter()
        .map(|(name, value)| format!("{value} AS {}", quote_ident(name)))
        .collect();
    let exprs: Vec<String> = compared.iter().map(|(_, v)| v.clone()).collect();
    let batch = format!(
        "(SELECT {} {}) AS batch",
        values.join(", "),
        source_rows(load, &exprs, None, Vec::new())
    );
    Some(format!(
        "SELECT COUNT(*) AS n FROM ({} EXCEPT {}) AS missing",
        numbered(batch),
        numbered(quote_ident(table.name)),
    ))
}

/// For a keyed fact with lookups: the rows of `dwh_unmatched_<fact>` that
/// every lookup matches now while their fact row still lacks a value the
/// match gives (any looked-up column, not just the first). One count, 0
/// when every late arrival was filled in. The same SQL in both dialects;
/// the lookups rendered by [`source`], not by the loader.
pub fn missed_matches(fact: &Table) -> Option<String> {
    let unmatched = super::unmatched::table_name(fact)?;
    missed_matches_in(fact, &unmatched)
}

/// [`missed_matches`] among the batch's source rows in staging, which hold
/// every unmatched row the run kept: after a run whose lookup tables did
/// not change, the rows kept before cannot have found a match since (the
/// runs that kept them checked them), so a day's check reads the day.
pub fn missed_matches_of_batch(fact: &Table) -> Option<String> {
    super::unmatched::table_name(fact)?;
    missed_matches_in(fact, fact.load.as_ref()?.source.name)
}

/// The tables whose change by a run makes [`missed_matches_of_batch`]
/// miss rows: those the fact's lookups read.
pub fn lookup_tables(fact: &Table) -> Vec<&'static str> {
    let lookups = fact.load.as_ref().map_or(&[][..], |l| l.lookups);
    lookups
        .iter()
        .flat_map(|l| l.tables())
        .map(|t| t.name)
        .collect()
}

/// Rows of `rows` (shaped like the fact's source) that match now while
/// their fact row lacks a looked-up value.
fn missed_matches_in(fact: &Table, rows: &str) -> Option<String> {
    let load = fact.load.as_ref()?;
    let mut lacking = Vec::new();
    for column in fact.loaded_columns() {
        if looked_up_from(load, column).is_some() {
            let value = stored_value(fact, column)?;
            let name = quote_ident(column.name);
            lacking.push(format!("(f.{name} IS NULL AND {value} IS NOT NULL)"));
        }
    }
    if lacking.is_empty() {
        return None;
    }
    let keys: Vec<String> = fact
        .natural_key
        .iter()
        .filter_map(|k| fact.column(k))
        .map(|c| {
            let value = stored_value(fact, c).unwrap_or_else(|| "NULL".to_owned());
            format!("f.{} = {value}", quote_ident(c.name))
        })
        .collect();
    let joins: String = load.lookups.iter().map(lookup_join).collect();
    let mut conditions: Vec<String> = load.filter.iter().map(|f| format!("({f})")).collect();
    conditions.extend(load.lookups.iter().map(lookup_found));
    conditions.push(format!("({})", lacking.join(" OR ")));
    Some(format!(
        "SELECT COUNT(*) AS n FROM {} AS src{joins} JOIN {} AS f ON {} WHERE {}",
        quote_ident(rows),
        quote_ident(fact.name),
        keys.join(" AND "),
        conditions.join(" AND ")
    ))
}

/// How a check's query reports offenders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckSql {
    /// One row, one BIGINT: offending rows.
    Count(String),
    /// Offending `(key, n)` rows: how many, and the first few.
    Listing {
        /// One row, one BIGINT: the number of offending keys.
        count: String,
        /// The first offending `(key, n)` rows.
        examples: String,
    },
}

/// One data-quality check, rendered: what it checks and its SQL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckQuery {
    /// The table checked.
    pub table: &'static Table,
    /// What is checked, e.g. `natural key (user_id) is unique`.
    pub check: String,
    /// The query or queries to run.
    pub sql: CheckSql,
    /// PostgreSQL only: a query whose one BIGINT is positive when the engine
    /// itself guarantees that the check passes, so `sql` need not run (see
    /// [`unique_index_proof`]). Never run on Redshift.
    pub proof: Option<String>,
    /// The same check over the table's rows of the latest batch only
    /// ([`batch_join`]): what a run that only appended to a non-empty
    /// table runs instead of `sql` (`crate::checks::Scope`). `None`: the
    /// check reads what it reads on every run.
    pub batch: Option<CheckSql>,
    /// Tables whose change by the run makes `batch` miss rows: after such
    /// a run the check reads what `sql` reads.
    pub batch_unless_changed: Vec<&'static str>,
    /// Not run after a run that only appended a small batch to the table
    /// (`crate::checks::Scope::Appended`): it reads every row, and has
    /// nothing to look at in the batch alone.
    pub whole_only: bool,
    /// A bookkeeping table the query reads that a warehouse an older dwh
    /// release built lacks until its next run (`dwh_row_counts`): without
    /// it there is nothing to compare, and the check is left out. The
    /// checks create nothing, so that they run on a read-only connection.
    pub reads_bookkeeping: Option<&'static str>,
}

/// Whether `table` has a valid, immediate UNIQUE index on exactly its
/// natural key's columns, all NOT NULL: then no two rows share a key, as
/// `GROUP BY` (which puts NULLs together) would see it. One BIGINT, 0 or
/// more; PostgreSQL's catalog (`pg_index`), the index of
/// [`super::ddl::key_index`] or any equal one.
pub fn unique_index_proof(table: &Table) -> Option<String> {
    let columns = super::ddl::unique_key(table)?;
    let names: Vec<String> = columns
        .iter()
        .map(|c| quote_literal(c, Dialect::Postgres))
        .collect();
    Some(format!(
        "SELECT COUNT(*) FROM pg_catalog.pg_index AS i \
         WHERE i.indrelid = to_regclass({table}) AND i.indisunique AND i.indisvalid \
         AND i.indimmediate AND i.indpred IS NULL AND i.indexprs IS NULL AND i.indnkeyatts = {n} \
         AND ARRAY(SELECT a.attname::text \
         FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) \
         JOIN pg_catalog.pg_attribute AS a ON a.attrelid = i.indrelid AND a.attnum = k.attnum \
         WHERE a.attnotnull ORDER BY k.ord) = ARRAY[{names}]::text[]",
        table = quote_literal(&quote_ident(table.name), Dialect::Postgres),
        n = columns.len(),
        names = names.join(", "),
    ))
}

/// The checks of a table's key: its versions (type 2), its batch's rows
/// (keyless), or its natural key's uniqueness.
fn key_checks(
    table: &Table,
    listing: &dyn Fn(&str) -> CheckSql,
) -> Vec<(String, CheckSql, Option<String>)> {
    let source = table.load.map_or("", |l| l.source.name);
    let keys = table.natural_key.join(", ");
    if let Some(history) = &table.history {
        let mut version = table.natural_key.to_vec();
        version.push(history.valid_from);
        return vec![
            (
                format!("one version per ({})", version.join(", ")),
                listing(&duplicates(table, &version)),
                None,
            ),
            (
                format!("one current version per {keys}"),
                listing(&history::current_versions(table, history)),
                None,
            ),
            (
                format!("versions of a {keys} leave no gap and do not overlap"),
                listing(&history::version_chain(table, history)),
                None,
            ),
        ];
    }
    match keyless_rows_missing(table) {
        Some(sql) => vec![(
            format!("every {source} row of the batch is loaded (keyless)"),
            CheckSql::Count(sql),
            None,
        )],
        None => vec![(
            format!("natural key ({keys}) is unique"),
            listing(&duplicate_keys(table)),
            unique_index_proof(table),
        )],
    }
}

/// A check's name, its query, its query over the latest batch only, and
/// the tables whose change makes that one miss rows.
type Check = (String, CheckSql, Option<CheckSql>, Vec<&'static str>);

/// The checks of `table`'s references: each value found in its dimension
/// and, for a type-2 dimension, the version valid at the row's time.
fn reference_checks(table: &Table, listing: &dyn Fn(&str) -> CheckSql) -> Vec<Check> {
    let batch = (table.kind == TableKind::Fact)
        .then(|| batch_join(table))
        .flatten();
    let mut out = Vec::new();
    for column in table.columns {
        if let Some((dimension, history, as_of)) = history::versioned(column) {
            let versions = history::Versions {
                fact: table,
                column,
                dimension,
                history,
                as_of,
            };
            let sql = versions.unversioned(None);
            let batch = batch
                .as_deref()
                .filter(|_| keyed_on(dimension, versions.key()))
                .map(|b| listing(&versions.unversioned(Some(b))));
            let check = format!(
                "every `{}` finds the `{}` version valid at its `{as_of}`",
                column.name, dimension.name
            );
            out.push((check, listing(&sql), batch, Vec::new()));
        }
        if let Some(dimension) = column.references {
            let key = dimension
                .primary_key
                .first()
                .copied()
                .unwrap_or(column.name);
            let sql = orphans(table, column.name, dimension, key, None);
            let batch = batch
                .as_deref()
                .filter(|_| keyed_on(dimension, key))
                .map(|b| listing(&orphans(table, column.name, dimension, key, Some(b))));
            let check = format!("every `{}` is in `{}`", column.name, dimension.name);
            out.push((check, listing(&sql), batch, Vec::new()));
        }
    }
    out
}

/// Whether `key` alone identifies `dimension`'s rows, or a type-2
/// dimension's versions: its plain natural key, its IDENTITY primary key,
/// or a type-2 dimension's natural key, which the local engine indexes
/// (with `valid_from`, [`super::ddl::key_index`]).
///
/// Only a fact's references to such a key get a batch variant: a fact
/// grows by INSERT (and late matches, an UPDATE), whose counts tell a run
/// that only appended, and a batch's rows each find their one row by the
/// index. PostgreSQL estimates a join on the batch's keys at a row or two
/// (it multiplies the key columns' selectivities), so against a dimension
/// without such an index it chose a nested loop over every dimension row
/// per batch row: five minutes for a day's 80k plays into the 10M
/// warehouse, before type-2 dimensions had their versions' index. Checks
/// of references to other columns read every row.
fn keyed_on(dimension: &Table, key: &str) -> bool {
    let identity =
        dimension.primary_key == [key] && dimension.column(key).is_some_and(|c| c.identity);
    let versions = dimension.history.is_some() && dimension.natural_key == [key];
    identity || versions || super::ddl::unique_key(dimension) == Some(&[key][..])
}

/// The checks that the table holds its source: every source row loaded
/// (or, without a usable key, none keyless), and late arrivals matched.
fn source_checks(table: &Table, listing: &dyn Fn(&str) -> CheckSql) -> Vec<Check> {
    let source = table.load.map_or("", |l| l.source.name);
    let mut out = Vec::new();
    if let Some(sql) = missing_from_source(table) {
        out.push((
            format!("every {source} source row has a natural key and is loaded"),
            listing(&sql),
            None,
            Vec::new(),
        ));
    } else if let Some(sql) = keyless_source_rows(table) {
        out.push((
            format!("no {source} source row lacks the natural key"),
            CheckSql::Count(sql),
            None,
            Vec::new(),
        ));
    }
    if let Some(sql) = missed_matches(table) {
        out.push((
            "no unmatched row has a match now (late arrivals filled in)".to_owned(),
            CheckSql::Count(sql),
            missed_matches_of_batch(table).map(CheckSql::Count),
            lookup_tables(table),
        ));
    }
    out
}

/// Every check of every dimension and fact table of `schema`, in the order
/// they run; `examples` offending keys are listed per failed listing check.
pub fn queries(schema: &Schema, examples: u32) -> Vec<CheckQuery> {
    let listing = |query: &str| {
        let (count, examples) = listing(query, examples);
        CheckSql::Listing { count, examples }
    };
    let mut out = Vec::new();
    for table in schema.transform_order() {
        for (check, sql, proof) in key_checks(table, &listing) {
            out.push(CheckQuery {
                table,
                check,
                sql,
                proof,
                batch: None,
                batch_unless_changed: Vec::new(),
                whole_only: false,
                reads_bookkeeping: None,
            });
        }
        out.push(CheckQuery {
            table,
            check: "its row count kept in dwh_row_counts is its rows".to_owned(),
            sql: CheckSql::Count(super::row_counts::kept_count_differs(table)),
            proof: None,
            batch: None,
            batch_unless_changed: Vec::new(),
            whole_only: true,
            reads_bookkeeping: Some(super::row_counts::ROW_COUNTS),
        });
        let rest = reference_checks(table, &listing)
            .into_iter()
            .chain(source_checks(table, &listing));
        for (check, sql, batch, batch_unless_changed) in rest {
            out.push(CheckQuery {
                table,
                check,
                sql,
                proof: None,
                batch,
                batch_unless_changed,
                whole_only: false,
                reads_bookkeeping: None,
            });
        }
    }
    out
}
