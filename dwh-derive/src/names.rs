//! Names: SQL identifier validation, snake_case defaults and did-you-mean.

/// Longest identifier Redshift accepts, in bytes.
const MAX_IDENT_BYTES: usize = 127;

/// Why `name` is not a plain SQL identifier, if it is not one. dwh accepts
/// only `[A-Za-z_][A-Za-z0-9_]*` so that a name can never carry SQL.
pub fn identifier_problem(name: &str) -> Option<String> {
    let mut chars = name.chars();
    let Some(first) = chars.next() else {
        return Some("an SQL name cannot be empty".into());
    };
    if name.len() > MAX_IDENT_BYTES {
        return Some(format!(
            "this name is {} bytes long; Redshift allows at most {MAX_IDENT_BYTES}",
            name.len()
        ));
    }
    let ok_first = first.is_ascii_alphabetic() || first == '_';
    if !ok_first || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Some(format!(
            "`{name}` is not a valid SQL name: use letters, digits and `_`, not starting with a digit"
        ));
    }
    None
}

/// Why `name` cannot name a table or column though it is a plain
/// identifier: upper-case letters. Redshift folds identifiers, quoted ones
/// included, to lower case unless `enable_case_sensitive_identifier` is on,
/// and it is off by default
/// (<https://docs.aws.amazon.com/redshift/latest/dg/r_names.html>): a table
/// declared `Plays` would be created as `plays`, and dwh, looking for
/// `Plays` in the catalog, would not find it (its ownership check and
/// migrate miss it).
pub fn case_problem(name: &str) -> Option<String> {
    name.chars().any(|c| c.is_ascii_uppercase()).then(|| {
        let lower = name.to_ascii_lowercase();
        let snake = snake_case(name).trim_start_matches('_').to_owned();
        let or_snake = if snake == lower {
            String::new()
        } else {
            format!(" (or `{snake}`)")
        };
        format!(
            "`{name}` has upper-case letters, and Redshift folds names to lower case \
             (enable_case_sensitive_identifier is off by default): the table or column \
             would be created as `{lower}`, which dwh would not find under `{name}`; \
             write `{lower}`{or_snake}"
        )
    })
}

/// `SongPlay` → `song_play`.
pub fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for (i, c) in name.char_indices() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The candidate closest to `input`, if it is close enough to be a typo.
pub fn did_you_mean<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (edit_distance(input, c), c))
        .filter(|(d, c)| *d <= (c.len().max(input.len()) / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Edit distance over chars, counting a swap of neighbours as one edit
/// (optimal string alignment), so `tabel` is one edit from `table`.
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    // Rows i-2, i-1 and i of the distance matrix.
    let mut before: Vec<usize> = Vec::new();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            let mut d = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
            if i > 0 && j > 0 && a[i - 1] == *cb && b[j - 1] == *ca {
                d = d.min(before[j - 1] + 1);
            }
            cur[j + 1] = d;
        }
        before = std::mem::replace(&mut prev, cur);
    }
    prev[b.len()]
}

/// ", did you mean `x`?" or nothing.
pub fn suggestion<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    did_you_mean(input, candidates)
        .map(|s| format!("; did you mean `{s}`?"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let keys = ["table", "sortkey", "distkey", "encode"];
        assert_eq!(did_you_mean("tabel", keys), Some("table"));
        assert_eq!(did_you_mean("sortky", keys), Some("sortkey"));
        assert_eq!(did_you_mean("encdoe", keys), Some("encode"));
        assert_eq!(did_you_mean("nope", keys), None);
        assert_eq!(did_you_mean("", keys), None);
    }

    #[test]
    fn distance_counts_a_swap_as_one_edit() {
        assert_eq!(edit_distance("ab", "ba"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn snake_cases_type_names() {
        assert_eq!(snake_case("SongPlay"), "song_play");
        assert_eq!(snake_case("Time"), "time");
    }

    #[test]
    fn accepts_plain_identifiers_only() {
        assert!(identifier_problem("staging_events").is_none());
        assert!(identifier_problem("_x1").is_none());
        for bad in ["", "1x", "a b", "x'; DROP TABLE users; --", "é"] {
            assert!(identifier_problem(bad).is_some(), "{bad:?}");
        }
        assert!(identifier_problem(&"a".repeat(128)).is_some());
    }

    #[test]
    fn refuses_upper_case_names() {
        assert!(case_problem("staging_events").is_none());
        for bad in ["Plays", "userId", "X"] {
            assert!(case_problem(bad).is_some(), "{bad:?}");
        }
    }
}
