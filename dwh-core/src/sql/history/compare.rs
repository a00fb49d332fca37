//! Null-safe value comparisons (spelled with CASE) of a type-2 load and its
//! late-row guard.

use crate::schema::Table;

/// Whether `a` and `b` differ, NULL equal to NULL; never NULL itself.
pub(crate) fn differs(a: &str, b: &str) -> String {
    format!("CASE WHEN {a} = {b} OR ({a} IS NULL AND {b} IS NULL) THEN FALSE ELSE TRUE END")
}

/// Whether `a` and `b`, values of `table`'s column `name`, differ (as
/// [`differs`]). VARCHAR values compare without trailing blanks: Redshift
/// ignores them in comparisons
/// (<https://docs.aws.amazon.com/redshift/latest/dg/r_Character_types.html>,
/// "Significance of trailing blanks"), PostgreSQL does not, and both must
/// keep the same versions and values.
pub(super) fn differs_value(table: &Table, name: &str, a: &str, b: &str) -> String {
    match table.column(name).is_some_and(|c| c.ty.is_varchar()) {
        true => differs(&format!("RTRIM({a})"), &format!("RTRIM({b})")),
        false => differs(a, b),
    }
}
