//! Identifiers and literals: the only way text from outside reaches SQL.

use super::dialect::Dialect;

/// Longest identifier Redshift accepts, in bytes.
const MAX_IDENT_BYTES: usize = 127;

/// A name that cannot be used as an SQL identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{name}` is not a valid SQL name: {reason}")]
pub struct IdentError {
    /// The name given.
    pub name: String,
    /// Why it is not valid.
    pub reason: &'static str,
}

/// Longest identifier PostgreSQL keeps; it cuts longer ones silently
/// (NAMEDATALEN - 1, <https://www.postgresql.org/docs/15/sql-syntax-lexical.html#SQL-SYNTAX-IDENTIFIERS>).
const MAX_POSTGRES_IDENT_BYTES: usize = 63;

/// `table_what_col1_col2…`, the name of a local-engine index; a name too
/// long for PostgreSQL keeps its start and ends in a hash of the whole, so
/// two long names cannot be cut to one. Built from validated names, so
/// ASCII only.
pub fn index_name(table: &str, what: &str, columns: &[&str]) -> String {
    let name = format!("{table}_{what}_{}", columns.join("_"));
    if name.len() <= MAX_POSTGRES_IDENT_BYTES {
        return name;
    }
    // FNV-1a: stable across releases, unlike std's hasher.
    let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!(
        "{}_{:08x}",
        &name[..MAX_POSTGRES_IDENT_BYTES - 9],
        hash as u32
    )
}

/// Accepts only `[A-Za-z_][A-Za-z0-9_]*` up to 127 bytes, so a name can
/// never carry SQL, whatever quoting a reader applies.
pub fn validate_ident(name: &str) -> Result<&str, IdentError> {
    let fail = |reason| {
        Err(IdentError {
            name: name.to_owned(),
            reason,
        })
    };
    let mut chars = name.chars();
    match chars.next() {
        None => return fail("it is empty"),
        Some(c) if !(c.is_ascii_alphabetic() || c == '_') => {
            return fail("it must start with a letter or `_`")
        }
        _ => {}
    }
    if name.len() > MAX_IDENT_BYTES {
        return fail("it is longer than 127 bytes");
    }
    if !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return fail("use only letters, digits and `_`");
    }
    Ok(name)
}

/// `"name"`. Names come from the derives, which validated them at compile
/// time; they are validated again here because a `Table` may be hand-written.
///
/// # Panics
/// On a name that fails [`validate_ident`]: that is a bug in the caller.
pub fn quote_ident(name: &str) -> String {
    if let Err(e) = validate_ident(name) {
        panic!("{e}");
    }
    format!("\"{name}\"")
}

/// Quoted names joined by `, `, each after `prefix` (an alias such as
/// `n.`, or empty): `"a", "b"` or `n."a", n."b"`. The one place lists of
/// identifiers are rendered.
pub fn quote_list<'a>(names: impl IntoIterator<Item = &'a str>, prefix: &str) -> String {
    names
        .into_iter()
        .map(|n| format!("{prefix}{}", quote_ident(n)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `'text'` with quotes (and, on Redshift, backslashes) escaped.
pub fn quote_literal(text: &str, dialect: Dialect) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    for c in text.chars() {
        match c {
            '\'' => out.push_str("''"),
            // Redshift reads backslash escapes inside literals; PostgreSQL
            // (standard_conforming_strings) does not.
            '\\' if dialect == Dialect::Redshift => out.push_str("\\\\"),
            _ => out.push(c),
        }
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn index_names_fit_postgres_and_stay_apart() {
        assert_eq!(
            index_name("songs", "by", &["title", "duration"]),
            "songs_by_title_duration"
        );
        let long = |last: &str| {
            index_name(
                "a_table_with_a_long_name",
                "by",
                &["column_number_one", last],
            )
        };
        let (one, two) = (long("column_number_two"), long("column_number_too"));
        assert_eq!((one.len(), two.len()), (63, 63));
        assert_ne!(one, two, "cut to the same 63 bytes, told apart by the hash");
        assert_eq!(one, long("column_number_two"), "stable");
    }

    use super::*;

    #[test]
    fn validates_identifiers() {
        assert!(validate_ident("songplays").is_ok());
        assert!(validate_ident("_x1").is_ok());
        for bad in [
            "",
            "1a",
            "a-b",
            "x'; DROP TABLE users; --",
            "a b",
            "é",
            "a\"b",
        ] {
            assert!(validate_ident(bad).is_err(), "{bad:?} accepted");
        }
        assert!(validate_ident(&"a".repeat(128)).is_err());
        assert!(validate_ident(&"a".repeat(127)).is_ok());
    }

    #[test]
    fn quotes_identifiers() {
        assert_eq!(quote_ident("time"), "\"time\"");
    }

    #[test]
    #[should_panic(expected = "not a valid SQL name")]
    fn refuses_to_quote_hostile_identifiers() {
        quote_ident("x\"; DROP TABLE users; --");
    }

    #[test]
    fn escapes_literals() {
        assert_eq!(quote_literal("it's", Dialect::Postgres), "'it''s'");
        assert_eq!(quote_literal("a\\b", Dialect::Postgres), "'a\\b'");
        assert_eq!(quote_literal("a\\'b", Dialect::Redshift), "'a\\\\''b'");
        assert_eq!(
            quote_literal("x'; DROP TABLE users; --", Dialect::Postgres),
            "'x''; DROP TABLE users; --'"
        );
    }
}
