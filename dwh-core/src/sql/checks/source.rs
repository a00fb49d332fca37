//! The checks' own reading of a load's source: the value each column gets
//! and the rows each lookup finds, rendered here from the schema
//! description, not by the loader's helpers (`sql::transform`).
//!
//! A check that asked the loader's own code what a row should be would
//! share every fault of it: a lookup the loader mis-renders would miss the
//! same matches in the load and in the check, and the check would pass.
//! So the rules are written out a second time here, from what the README
//! promises ("Trailing blanks"): a VARCHAR natural key, or a VARCHAR
//! reference, is stored without trailing blanks, and a VARCHAR lookup
//! column matches without them.

use super::super::ident::quote_ident;
use crate::schema::{Column, Fill, Load, Lookup, Table};

/// The SQL value a load should store in `column`, over the source as
/// `src` and the lookups by their aliases; `None` for a column the load
/// does not fill (IDENTITY).
pub(super) fn stored_value(table: &Table, column: &Column) -> Option<String> {
    let raw = match column.fill {
        Fill::None => return None,
        Fill::Expr(expr) => format!("({expr})"),
        Fill::Column(path) => {
            let (alias, name) = path.split_once('.').unwrap_or(("src", path));
            format!("{}.{}", quote_ident(alias), quote_ident(name))
        }
    };
    let trimmed = column.ty.is_varchar()
        && (column.references.is_some() || table.natural_key.contains(&column.name));
    Some(if trimmed {
        format!("RTRIM({raw})")
    } else {
        raw
    })
}

/// The lookup alias a column is filled from (`s` for `from = "s.song_id"`),
/// when it is one of the load's lookups or their joins.
pub(super) fn looked_up_from(load: &Load, column: &Column) -> Option<&'static str> {
    let Fill::Column(path) = column.fill else {
        return None;
    };
    let (alias, _) = path.split_once('.')?;
    aliases(load).find(|a| *a == alias)
}

/// Whether `expr` reads a lookup's row: names one of its aliases as a
/// qualifier (`s.` or `"s".`, not the tail of `src.`).
pub(super) fn reads_lookup(load: &Load, expr: &str) -> bool {
    let qualifies = |prefix: &str| {
        expr.match_indices(prefix).any(|(at, _)| {
            let before = expr[..at].chars().next_back();
            !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '"')
        })
    };
    aliases(load).any(|alias| {
        qualifies(&format!("{}.", quote_ident(alias))) || qualifies(&format!("{alias}."))
    })
}

fn aliases(load: &Load) -> impl Iterator<Item = &'static str> + '_ {
    load.lookups
        .iter()
        .flat_map(|l| std::iter::once(l.alias).chain(l.joins.iter().map(|j| j.alias)))
}

/// ` LEFT JOIN (<table> AS <alias> INNER JOIN …) ON …`: the rows the lookup
/// finds for one source row, or NULLs.
pub(super) fn lookup_join(lookup: &Lookup) -> String {
    let mut target = format!(
        "{} AS {}",
        quote_ident(lookup.table.name),
        quote_ident(lookup.alias)
    );
    let mut matches = equal(lookup.table, lookup.alias, lookup.on);
    for join in lookup.joins {
        target = format!(
            "({target} INNER JOIN {} AS {} ON {})",
            quote_ident(join.table.name),
            quote_ident(join.alias),
            equal(join.table, join.alias, join.key).join(" AND ")
        );
        matches.extend(equal(join.table, join.alias, join.on));
    }
    format!(" LEFT JOIN {target} ON {}", matches.join(" AND "))
}

/// Whether a lookup found its row: every column it matched on is set
/// (an equality holds only between values that are not NULL).
pub(super) fn lookup_found(lookup: &Lookup) -> String {
    let matched = |alias: &str, pairs: &[(&str, &str)]| -> Vec<String> {
        pairs
            .iter()
            .map(|(column, _)| {
                format!("{}.{} IS NOT NULL", quote_ident(alias), quote_ident(column))
            })
            .collect()
    };
    let mut found = matched(lookup.alias, lookup.on);
    for join in lookup.joins {
        found.extend(matched(join.alias, join.key));
        found.extend(matched(join.alias, join.on));
    }
    format!("({})", found.join(" AND "))
}

/// `alias.column = value` for each pair; VARCHAR without trailing blanks on
/// both sides (the table's natural key is stored so already).
fn equal(table: &Table, alias: &str, pairs: &[(&str, &str)]) -> Vec<String> {
    pairs
        .iter()
        .map(|(name, value)| {
            let column = format!("{}.{}", quote_ident(alias), quote_ident(name));
            let varchar = table.column(name).is_some_and(|c| c.ty.is_varchar());
            if !varchar {
                return format!("{column} = ({value})");
            }
            let column = if table.natural_key.contains(name) {
                column
            } else {
                format!("RTRIM({column})")
            };
            format!("{column} = RTRIM({value})")
        })
        .collect()
}
