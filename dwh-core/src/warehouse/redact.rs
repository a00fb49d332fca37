//! Connection strings made safe to print.

/// A connection string with every password replaced by `***`, safe to
/// print: the password in a URL's user info, a `password` query parameter,
/// and the `password` of a `key=value` connection string.
pub fn redact_url(url: &str) -> String {
    let is_url = url.contains("://");
    let url = if is_url {
        redact_userinfo(url)
    } else {
        url.to_owned()
    };
    redact_password_params(&url, is_url)
}

fn redact_userinfo(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    // The last `@`: an unencoded `@` in a password must not end it early.
    let Some((userinfo, host)) = rest.rsplit_once('@') else {
        return url.to_owned();
    };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

/// Replaces the value of every `password=` key: in a URL's query (the value
/// ends at `&` or `#`) or in a `key=value` string (it ends at whitespace,
/// or is a quoted `'…'` with `\'` escapes).
fn redact_password_params(text: &str, is_url: bool) -> String {
    const KEY: &str = "password";
    let lower = text.to_ascii_lowercase();
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut search = 0;
    while let Some(found) = lower[search..].find(KEY) {
        let start = search + found;
        search = start + KEY.len();
        let at_key_start =
            start == 0 || matches!(bytes[start - 1], b'?' | b'&' | b' ' | b'\t' | b'\n');
        let mut i = start + KEY.len();
        while i < bytes.len() && bytes[i] == b' ' && !is_url {
            i += 1;
        }
        if !at_key_start || i >= bytes.len() || bytes[i] != b'=' {
            continue;
        }
        i += 1;
        while i < bytes.len() && bytes[i] == b' ' && !is_url {
            i += 1;
        }
        let end = value_end(bytes, i, is_url);
        out.push_str(&text[copied..i]);
        out.push_str("***");
        copied = end;
        search = end.max(search);
    }
    out.push_str(&text[copied..]);
    out
}

fn value_end(bytes: &[u8], start: usize, is_url: bool) -> usize {
    let mut i = start;
    if is_url {
        while i < bytes.len() && !matches!(bytes[i], b'&' | b'#') {
            i += 1;
        }
        return i;
    }
    if bytes.get(i) == Some(&b'\'') {
        i += 1;
        while i < bytes.len() {
            match bytes[i] {
                b'\\' => i += 2,
                b'\'' => return i + 1,
                _ => i += 1,
            }
        }
        return bytes.len();
    }
    while i < bytes.len() && !bytes[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_url_passwords() {
        assert_eq!(
            redact_url("postgresql://u:s3cret@h:5439/db"),
            "postgresql://u:***@h:5439/db"
        );
        assert_eq!(redact_url("postgresql://u@h/db"), "postgresql://u@h/db");
        // An unencoded `@` or `:` inside the password.
        assert_eq!(
            redact_url("postgresql://u:p@ss:w@h/db"),
            "postgresql://u:***@h/db"
        );
    }

    #[test]
    fn redacts_query_passwords() {
        assert_eq!(
            redact_url("postgresql://h/db?sslmode=disable&password=s3cret&x=1"),
            "postgresql://h/db?sslmode=disable&password=***&x=1"
        );
        assert_eq!(
            redact_url("postgresql://u:a@h/db?PASSWORD=b"),
            "postgresql://u:***@h/db?PASSWORD=***"
        );
        // Not a key of its own: left alone.
        assert_eq!(
            redact_url("postgresql://h/db?mypassword_hint=x"),
            "postgresql://h/db?mypassword_hint=x"
        );
    }

    #[test]
    fn redacts_key_value_passwords() {
        assert_eq!(
            redact_url("host=h password=s3cret dbname=db"),
            "host=h password=*** dbname=db"
        );
        assert_eq!(
            redact_url("host=h password = 'it\\'s secret' dbname=db"),
            "host=h password = *** dbname=db"
        );
        assert_eq!(redact_url("password=s3cret"), "password=***");
        assert_eq!(redact_url("host=h"), "host=h");
    }
}
