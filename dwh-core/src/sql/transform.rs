//! Staging → star: the statements that fill a dimension or fact table.
//!
//! Every load selects the new rows once, de-duplicated to one row per
//! natural key by a total order (the greatest `latest_by`, then the
//! greatest `tie_break`, then every other loaded column ascending; see
//! [`rank_order`]), then
//! - dimensions are upserted: PostgreSQL `MERGE … USING (subquery)`;
//!   Redshift's MERGE only takes a table as its source, so the rows go
//!   through a temporary table first;
//! - facts are appended where their natural key is not yet present.
//!
//! So re-running a load on the same staging data changes nothing, and a
//! load on new data adds only what is new.
//!
//! Staging holds the run's batch: the rows of the files the load ledger
//! did not hold ([`super::ledger`]). Dimensions and keyed facts take it in
//! as above; the latest batch wins a dimension's attributes, so batches
//! are loaded in time order (one run per day, or one run over all).
//!
//! Keyless facts (`#[dwh(keyless)]`: append-only events such as flights,
//! with no natural key) cannot be de-duplicated: nothing says which row
//! was loaded before. They stay exact through the ledger instead: each
//! file is loaded once, and a batch is appended once, while the ledger
//! says it is not transformed yet ([`append_keyless`]).
//!
//! A keyed fact's lookup that finds nothing leaves its columns NULL (the
//! unknown-member rule) and keeps the source row in
//! `dwh_unmatched_<fact>`; a later run whose dimensions bring the match
//! fills the columns in ([`super::unmatched`]).

use super::dialect::Dialect;
use super::ident::{quote_ident, quote_list};
use super::ledger;
use crate::schema::{Column, Fill, Load, Lookup, Table, TableKind};

/// The statements of one table's load, to run in order in one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadStatements {
    /// The table filled.
    pub table: &'static str,
    /// The statements, in order.
    pub statements: Vec<String>,
}

/// The load of a dimension or fact table, or `None` for a staging table.
pub fn load_statements(table: &Table, dialect: Dialect) -> Option<LoadStatements> {
    let load = table.load.as_ref()?;
    if let Some(history) = &table.history {
        return Some(LoadStatements {
            table: table.name,
            statements: super::history::load_statements(table, load, history),
        });
    }
    if table.is_keyless() {
        return Some(LoadStatements {
            table: table.name,
            statements: append_keyless(table, load, dialect),
        });
    }
    let new_rows = select_new_rows(table, load, dialect);
    let statements = match (table.kind, dialect) {
        (TableKind::Dimension, Dialect::Postgres) => {
            vec![merge(
                table,
                &format!("(\n{new_rows}\n)"),
                Dialect::Postgres,
            )]
        }
        (TableKind::Dimension, Dialect::Redshift) => {
            let temp = quote_ident(&format!("__dwh_new_{}", table.name));
            vec![
                format!("DROP TABLE IF EXISTS {temp}"),
                format!("CREATE TEMP TABLE {temp} AS\n{new_rows}"),
                drop_unchanged(table, &temp),
                merge(table, &temp, Dialect::Redshift),
                format!("DROP TABLE {temp}"),
            ]
        }
        _ => vec![append_new(table, &new_rows)],
    };
    Some(LoadStatements {
        table: table.name,
        statements,
    })
}

/// A keyless fact's load, the same in both dialects: one row per source
/// row of the batch, appended once. The ledger makes it exact: staging
/// holds only new files, and the append runs only while the batch is not
/// marked transformed, so a second `dwh transform` adds nothing.
fn append_keyless(table: &Table, load: &Load, dialect: Dialect) -> Vec<String> {
    let target = quote_ident(table.name);
    // Every row is kept: no order picks one row per key.
    let load = Load {
        latest_by: None,
        tie_break: None,
        ..*load
    };
    let once = ledger::batch_pending(load.source, dialect);
    vec![format!(
        "INSERT INTO {target} ({cols})\n{rows}",
        cols = quoted(&columns_of(table), ""),
        // Written for nesting in the keyed loads' subqueries; flush left here.
        rows = source_rows(table, &load, load.source.name, Some(&once))
            .lines()
            .map(|l| l.strip_prefix("        ").unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n"),
    )]
}

fn columns_of(table: &Table) -> Vec<&'static str> {
    table.loaded_columns().map(|c| c.name).collect()
}

fn quoted(names: &[&str], prefix: &str) -> String {
    quote_list(names.iter().copied(), prefix)
}

fn key_match(table: &Table, left: &str, right: &str) -> String {
    table
        .natural_key
        .iter()
        .map(|k| format!("{left}.{k} = {right}.{k}", k = quote_ident(k)))
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// The value a column gets, as an SQL expression over `src` and lookups.
pub(super) fn fill_expr(fill: Fill) -> Option<String> {
    match fill {
        Fill::None => None,
        Fill::Expr(expr) => Some(format!("({expr})")),
        Fill::Column(path) => Some(match path.split_once('.') {
            Some((alias, column)) => format!("{}.{}", quote_ident(alias), quote_ident(column)),
            None => format!("src.{}", quote_ident(path)),
        }),
    }
}

/// How the source joins its lookups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum LookupJoin {
    /// `LEFT JOIN`: a row whose lookup finds nothing is kept, its looked-up
    /// columns NULL (the unknown member).
    Left,
    /// `INNER JOIN`: only rows every lookup matches. For statements where
    /// Redshift takes no outer join, such as the FROM of an UPDATE.
    Inner,
}

/// One row per natural key from the load source, filtered and looked up.
pub(super) fn select_new_rows(table: &Table, load: &Load, dialect: Dialect) -> String {
    select_rows_from(
        table,
        load,
        dialect,
        load.source.name,
        None,
        LookupJoin::Left,
    )
}

/// As [`select_new_rows`], from the table `from` (shaped like the load's
/// source) and only its rows meeting `condition`, its lookups joined by
/// `join`.
pub(super) fn select_rows_from(
    table: &Table,
    load: &Load,
    dialect: Dialect,
    from: &str,
    condition: Option<&str>,
    join: LookupJoin,
) -> String {
    let columns = columns_of(table);
    let key_present = table
        .natural_key
        .iter()
        .map(|k| format!("{} IS NOT NULL", quote_ident(k)))
        .collect::<Vec<_>>()
        .join(" AND ");
    let order = rank_order(table, load);
    if dialect == Dialect::Postgres {
        // The same row as ROW_NUMBER() = 1 over the same order, without a
        // window: PostgreSQL's DISTINCT ON keeps the first row of each key
        // (<https://www.postgresql.org/docs/15/sql-select.html#SQL-DISTINCT>).
        let keys = quoted(table.natural_key, "");
        let then = order
            .strip_prefix(" ORDER BY ")
            .map(|o| format!(", {o}"))
            .unwrap_or_default();
        return format!(
            "SELECT DISTINCT ON ({keys}) {cols}\nFROM (\n{inner}\n) AS __dwh_rows\nWHERE {key_present}\nORDER BY {keys}{then}",
            cols = quoted(&columns, ""),
            inner = source_rows_joined(table, load, from, condition, join),
        );
    }
    format!(
        "SELECT {cols}\nFROM (\n    SELECT __dwh_rows.*, ROW_NUMBER() OVER (PARTITION BY {partition}{order}) AS __dwh_rank\n    FROM (\n{inner}\n    ) AS __dwh_rows\n    WHERE {key_present}\n) AS __dwh_ranked\nWHERE __dwh_rank = 1",
        cols = quoted(&columns, ""),
        partition = quoted(table.natural_key, ""),
        inner = source_rows_joined(table, load, from, condition, join),
    )
}

/// Whether a column is stored without trailing blanks: a VARCHAR natural
/// key, or a VARCHAR reference to one (so it still matches its key).
fn drops_trailing_blanks(table: &Table, column: &Column) -> bool {
    column.ty.is_varchar()
        && (table.natural_key.contains(&column.name) || column.references.is_some())
}

/// The value a load stores in `column`: its fill expression, without
/// trailing blanks where [`drops_trailing_blanks`] says so. `None` for a
/// column the load does not fill. Checks compare with the same expression,
/// so a key stored as `'X'` is found for a source `'X '`.
pub(crate) fn stored_expr(table: &Table, column: &Column) -> Option<String> {
    let expr = fill_expr(column.fill)?;
    Some(if drops_trailing_blanks(table, column) {
        format!("RTRIM({expr})")
    } else {
        expr
    })
}

/// The source rows with every loaded column's value, the `latest_by` and
/// `tie_break` values, the lookups joined and the filter applied.
///
/// Redshift ignores trailing blanks when it compares VARCHAR values
/// (https://docs.aws.amazon.com/redshift/latest/dg/r_Character_types.html,
/// "Significance of trailing blanks"); PostgreSQL does not. So VARCHAR
/// natural keys (and references to them) are stored without them and
/// VARCHAR lookups compare without them, in both dialects: `'X '` and `'X'`
/// are one key on both. Other values keep their blanks.
pub(super) fn source_rows(
    table: &Table,
    load: &Load,
    from: &str,
    condition: Option<&str>,
) -> String {
    source_rows_joined(table, load, from, condition, LookupJoin::Left)
}

/// [`source_rows`] with its lookups joined by `join`.
fn source_rows_joined(
    table: &Table,
    load: &Load,
    from: &str,
    condition: Option<&str>,
    join: LookupJoin,
) -> String {
    let mut exprs: Vec<String> = table
        .loaded_columns()
        .map(|c| {
            let expr = stored_expr(table, c).unwrap_or_else(|| "NULL".to_owned());
            format!("            {expr} AS {}", quote_ident(c.name))
        })
        .collect();
    if let Some(order) = load.latest_by {
        exprs.push(format!("            ({order}) AS __dwh_order"));
    }
    if let Some(tie) = load.tie_break {
        exprs.push(format!("            ({tie}) AS __dwh_tie"));
    }
    let mut inner = format!("        SELECT\n{}", exprs.join(",\n"));
    inner.push_str(&format!("\n        FROM {} AS src", quote_ident(from)));
    for lookup in load.lookups {
        inner.push_str(&lookup_join(lookup, join));
    }
    let conditions: Vec<&str> = load.filter.into_iter().chain(condition).collect();
    match conditions.as_slice() {
        [] => {}
        [only] => inner.push_str(&format!("\n        WHERE {only}")),
        // Parenthesised: a filter with OR must not capture the next condition.
        many => {
            let each: Vec<String> = many.iter().map(|c| format!("({c})")).collect();
            inner.push_str(&format!("\n        WHERE {}", each.join(" AND ")));
        }
    }
    inner
}

fn lookup_join(lookup: &Lookup, join: LookupJoin) -> String {
    let kind = match join {
        LookupJoin::Left => "LEFT JOIN",
        LookupJoin::Inner => "INNER JOIN",
    };
    format!(
        "\n        {kind} {} ON {}",
        lookup_target(lookup),
        lookup_on(lookup)
    )
}

/// What a lookup joins: its table, or its table inner-joined with its
/// joins in parentheses, so the source matches the joined rows as one
/// (a play's song by title and duration, with its artist by name). A join
/// of two table references is itself a table reference in Redshift's FROM
/// grammar (<https://docs.aws.amazon.com/redshift/latest/dg/r_FROM_clause30.html>),
/// as in PostgreSQL's; the parentheses make the inner join the one
/// reference the source is LEFT JOINed to.
pub(crate) fn lookup_target(lookup: &Lookup) -> String {
    let head = format!(
        "{} AS {}",
        quote_ident(lookup.table.name),
        quote_ident(lookup.alias)
    );
    if lookup.joins.is_empty() {
        return head;
    }
    let joins: String = lookup
        .joins
        .iter()
        .map(|j| {
            format!(
                " INNER JOIN {} AS {} ON {}",
                quote_ident(j.table.name),
                quote_ident(j.alias),
                equalities(j.table, j.alias, j.key)
            )
        })
        .collect();
    format!("({head}{joins})")
}

/// The join condition of a lookup with the source, its joins' included;
/// VARCHAR columns compare without trailing blanks, as Redshift compares
/// them.
pub(crate) fn lookup_on(lookup: &Lookup) -> String {
    std::iter::once(equalities(lookup.table, lookup.alias, lookup.on))
        .chain(
            lookup
                .joins
                .iter()
                .filter(|j| !j.on.is_empty())
                .map(|j| equalities(j.table, j.alias, j.on)),
        )
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// `alias.column = (expr) AND …`, VARCHAR columns compared RTRIMmed. A
/// VARCHAR natural key is stored RTRIMmed already, so only `expr` is: the
/// planner then keeps the column's statistics (RTRIM on both sides made it
/// guess a join of millions of rows for 50,000 songs and their artists).
fn equalities(table: &Table, alias: &str, pairs: &[(&str, &str)]) -> String {
    let prefix = format!("{}.", quote_ident(alias));
    pairs
        .iter()
        .map(|(column, expr)| {
            let varchar = table.column(column).is_some_and(|c| c.ty.is_varchar());
            #[cfg(feature = "test-hooks")]
            if varchar && planted_fault::lookup_keeps_source_blanks() {
                let left = format!("{prefix}{}", quote_ident(column));
                return format!("RTRIM({left}) = ({expr})");
            }
            let left = compared_column(table, column, &prefix);
            match varchar {
                true => format!("{left} = RTRIM({expr})"),
                false => format!("{left} = ({expr})"),
            }
        })
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// A looked-up table's `column` as a lookup compares it: a VARCHAR without
/// its trailing blanks ([`compared_trimmed`]), else as it is.
fn compared_column(table: &Table, column: &str, prefix: &str) -> String {
    let name = format!("{prefix}{}", quote_ident(column));
    match compared_trimmed(table, column) {
        true => format!("RTRIM({name})"),
        false => name,
    }
}

/// Whether a lookup compares `column` RTRIMmed: a VARCHAR that is not a
/// natural key (a natural key is stored without trailing blanks already).
fn compared_trimmed(table: &Table, column: &str) -> bool {
    let varchar = table.column(column).is_some_and(|c| c.ty.is_varchar());
    varchar && !table.natural_key.contains(&column)
}

/// The local engine's indexes on what a fact's lookups compare (the song's
/// title, artist name and duration of a play), built where missing: a
/// day's load, its unmatched rows and its checks then probe the looked-up
/// tables for the batch's few rows instead of hashing every row of them.
/// An index on a natural key alone is the key index already. None on
/// Redshift, which has no indexes.
pub fn lookup_indexes(fact: &Table, dialect: Dialect) -> Vec<String> {
    let Some(load) = fact.load.as_ref().filter(|_| dialect == Dialect::Postgres) else {
        return Vec::new();
    };
    let mut compared: Vec<(&Table, Vec<&str>)> = Vec::new();
    for lookup in load.lookups {
        compared.push((lookup.table, lookup.on.iter().map(|(c, _)| *c).collect()));
        for join in lookup.joins {
            let columns = join.key.iter().chain(join.on).map(|(c, _)| *c);
            compared.push((join.table, columns.collect()));
        }
    }
    compared
        .into_iter()
        .filter(|(table, columns)| !columns.is_empty() && columns[..] != *table.natural_key)
        .map(|(table, columns)| lookup_index(table, &columns))
        .collect()
}

fn lookup_index(table: &Table, columns: &[&str]) -> String {
    let name = super::ident::index_name(table.name, "by", columns);
    let exprs: Vec<String> = columns
        .iter()
        .map(|c| match compared_trimmed(table, c) {
            // An expression is indexed in parentheses.
            true => format!("({})", compared_column(table, c, "")),
            false => quote_ident(c),
        })
        .collect();
    let create = format!(
        "CREATE INDEX {} ON {} ({})",
        quote_ident(&name),
        quote_ident(table.name),
        exprs.join(", ")
    );
    super::ddl::if_missing(&quote_ident(&name), &create)
}

/// A fault to plant in the lookup rendering above, for tests that show a
/// check does not share it (feature `test-hooks`, off in every normal
/// build). Per thread: a `#[tokio::test]` renders on its own thread, so
/// tests running beside it are untouched.
#[cfg(feature = "test-hooks")]
pub mod planted_fault {
    use std::cell::Cell;

    thread_local! {
        static KEEP_SOURCE_BLANKS: Cell<bool> = const { Cell::new(false) };
    }

    /// While `on`, every lookup compares the source value with its
    /// trailing blanks, so a source `'X '` no longer finds `'X'`.
    pub fn set_lookup_keeps_source_blanks(on: bool) {
        KEEP_SOURCE_BLANKS.with(|f| f.set(on));
    }

    pub(super) fn lookup_keeps_source_blanks() -> bool {
        KEEP_SOURCE_BLANKS.with(|f| f.get())
    }
}

/// The total order that picks one row per natural key: the greatest
/// `latest_by`, then the greatest `tie_break`, then every other loaded
/// column ascending. Redshift numbers rows that tie on the ORDER BY
/// "nondeterministically" (https://docs.aws.amazon.com/redshift/latest/dg/r_WF_ROW_NUMBER.html):
/// on its slices an unordered pick changes from run to run. Rows still tied
/// after the last column are equal in every loaded column, so whichever is
/// picked, the table is the same.
fn rank_order(table: &Table, load: &Load) -> String {
    let mut order = Vec::new();
    if load.latest_by.is_some() {
        order.push("__dwh_order DESC NULLS LAST".to_owned());
    }
    if load.tie_break.is_some() {
        order.push("__dwh_tie DESC NULLS LAST".to_owned());
    }
    order.extend(
        table
            .loaded_columns()
            .filter(|c| !table.natural_key.contains(&c.name))
            .map(|c| format!("{} ASC NULLS LAST", quote_ident(c.name))),
    );
    if order.is_empty() {
        // Only key columns: rows of one partition are identical.
        return String::new();
    }
    format!(" ORDER BY {}", order.join(", "))
}

/// Deletes from the staged new rows of a dimension (`source`, Redshift's
/// MERGE source table) those equal in every updated column to the row
/// already stored under their key, so that the MERGE after it rewrites
/// only rows that changed, as PostgreSQL's `WHEN MATCHED AND (… IS
/// DISTINCT FROM …)` does. Redshift's MERGE takes no condition on `WHEN
/// MATCHED` (<https://docs.aws.amazon.com/redshift/latest/dg/r_MERGE.html>),
/// and an UPDATE leaves the old row to vacuum
/// (<https://docs.aws.amazon.com/redshift/latest/dg/r_UPDATE.html>): without
/// this every run would rewrite every matched row.
///
/// Equality is null-safe (two NULLs are equal) and, for VARCHAR columns,
/// counts trailing blanks as PostgreSQL's comparison does: Redshift's `=`
/// ignores them (r_Character_types, "Significance of trailing blanks"),
/// `OCTET_LENGTH` of a VARCHAR counts them
/// (<https://docs.aws.amazon.com/redshift/latest/dg/r_OCTET_LENGTH.html>).
/// So `'Ann'` → `'Ann '` is a change on both targets.
pub(super) fn drop_unchanged(table: &Table, source: &str) -> String {
    let target = quote_ident(table.name);
    let mut same = vec![key_match(table, &target, source)];
    same.extend(
        table
            .loaded_columns()
            .filter(|c| !table.natural_key.contains(&c.name))
            .map(|c| {
                let (t, n) = (
                    format!("{target}.{}", quote_ident(c.name)),
                    format!("{source}.{}", quote_ident(c.name)),
                );
                let equal = if c.ty.is_varchar() {
                    format!("{t} = {n} AND OCTET_LENGTH({t}) = OCTET_LENGTH({n})")
                } else {
                    format!("{t} = {n}")
                };
                format!("(({equal}) OR ({t} IS NULL AND {n} IS NULL))")
            }),
    );
    format!(
        "DELETE FROM {source}\nUSING {target}\nWHERE {}",
        same.join("\n  AND ")
    )
}

/// MERGE the new rows into a dimension: update matched keys, insert others.
///
/// On PostgreSQL a matched row is updated only when a value changed: an
/// update writes a new row version, so a re-run over the same data would
/// otherwise rewrite the whole dimension (`WHEN MATCHED AND condition`,
/// <https://www.postgresql.org/docs/15/sql-merge.html>). The Redshift
/// statement keeps the plain `WHEN MATCHED THEN UPDATE` of its MERGE
/// syntax (<https://docs.aws.amazon.com/redshift/latest/dg/r_MERGE.html>),
/// which requires the clause; its source has lost the unchanged rows
/// first ([`drop_unchanged`]).
fn merge(table: &Table, source: &str, dialect: Dialect) -> String {
    let target = quote_ident(table.name);
    let columns = columns_of(table);
    let (target_head, target_ref) = match dialect {
        Dialect::Postgres => (format!("{target} AS t"), "t".to_owned()),
        Dialect::Redshift => (target.clone(), target.clone()),
    };
    let mut updated: Vec<&str> = columns
        .iter()
        .copied()
        .filter(|c| !table.natural_key.contains(c))
        .collect();
    let set = |updated: &[&str]| {
        updated
            .iter()
            .map(|c| format!("{c} = n.{c}", c = quote_ident(c)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let when_matched = match dialect {
        // Only key columns: nothing to update.
        Dialect::Postgres if updated.is_empty() => String::new(),
        Dialect::Postgres => {
            let changed = updated
                .iter()
                .map(|c| {
                    format!(
                        "{target_ref}.{c} IS DISTINCT FROM n.{c}",
                        c = quote_ident(c)
                    )
                })
                .collect::<Vec<_>>()
                .join(" OR ");
            format!(
                "\nWHEN MATCHED AND ({changed}) THEN UPDATE SET {}",
                set(&updated)
            )
        }
        Dialect::Redshift => {
            if updated.is_empty() {
                // A no-op update satisfies Redshift's required clause.
                updated = table.natural_key.to_vec();
            }
            format!("\nWHEN MATCHED THEN UPDATE SET {}", set(&updated))
        }
    };
    format!(
        "MERGE INTO {target_head}\nUSING {source} AS n\nON {on}{when_matched}\nWHEN NOT MATCHED THEN INSERT ({cols}) VALUES ({values})",
        on = key_match(table, &target_ref, "n"),
        cols = quoted(&columns, ""),
        values = quoted(&columns, "n."),
    )
}

/// Append the new rows of a fact whose natural key is not there yet.
fn append_new(table: &Table, new_rows: &str) -> String {
    let target = quote_ident(table.name);
    let columns = columns_of(table);
    format!(
        "INSERT INTO {target} ({cols})\nSELECT {values}\nFROM (\n{new_rows}\n) AS n\nWHERE NOT EXISTS (\n    SELECT 1 FROM {target} AS t WHERE {on}\n)",
        cols = quoted(&columns, ""),
        values = quoted(&columns, "n."),
        on = key_match(table, "t", "n"),
    )
}
