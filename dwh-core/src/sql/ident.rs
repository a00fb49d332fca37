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
