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
            "`{name}` is longer than Redshift's {MAX_IDENT_BYTES}-byte limit for names"
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

/// Levenshtein distance over chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// ", did you mean `x`?" or nothing.
pub fn suggestion<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    did_you_mean(input, candidates)
        .map(|s| format!("; did you mean `{s}`?"))
        .unwrap_or_default()
}
