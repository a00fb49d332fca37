//! Hand-written JSON output for fixed-shape records: faster than going
//! through serde, and it lets us copy the escaping style of the real files
//! (every non-ASCII character as a lowercase `\uXXXX`, and `/` as `\/` in the
//! event logs).

/// Appends `s` as a JSON string literal, quotes included.
pub(crate) fn push_str(buf: &mut Vec<u8>, s: &str, escape_slash: bool) {
    buf.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if is_plain(b, escape_slash) {
            i += 1;
            continue;
        }
        buf.extend_from_slice(&bytes[start..i]);
        if b < 0x80 {
            push_ascii_escape(buf, b);
            i += 1;
        } else {
            let c = s[i..].chars().next().expect("index is on a char boundary");
            push_unicode_escape(buf, c);
            i += c.len_utf8();
        }
        start = i;
    }
    buf.extend_from_slice(&bytes[start..]);
    buf.push(b'"');
}

fn is_plain(b: u8, escape_slash: bool) -> bool {
    (0x20..0x80).contains(&b) && b != b'"' && b != b'\\' && !(escape_slash && b == b'/')
}

fn push_ascii_escape(buf: &mut Vec<u8>, b: u8) {
    match b {
        b'"' => buf.extend_from_slice(b"\\\""),
        b'\\' => buf.extend_from_slice(b"\\\\"),
        b'/' => buf.extend_from_slice(b"\\/"),
        b'\n' => buf.extend_from_slice(b"\\n"),
        b'\r' => buf.extend_from_slice(b"\\r"),
        b'\t' => buf.extend_from_slice(b"\\t"),
        0x08 => buf.extend_from_slice(b"\\b"),
        0x0C => buf.extend_from_slice(b"\\f"),
        _ => push_u_escape(buf, u16::from(b)),
    }
}

/// Characters beyond the BMP become a UTF-16 surrogate pair, as JSON requires.
fn push_unicode_escape(buf: &mut Vec<u8>, c: char) {
    let mut units = [0u16; 2];
    for &unit in c.encode_utf16(&mut units).iter() {
        push_u_escape(buf, unit);
    }
}

fn push_u_escape(buf: &mut Vec<u8>, unit: u16) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    buf.extend_from_slice(b"\\u");
    for shift in [12, 8, 4, 0] {
        buf.push(HEX[usize::from((unit >> shift) & 0xF)]);
    }
}

pub(crate) fn push_u64(buf: &mut Vec<u8>, mut v: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    buf.extend_from_slice(&digits[i..]);
}

pub(crate) fn push_i64(buf: &mut Vec<u8>, v: i64) {
    if v < 0 {
        buf.push(b'-');
    }
    push_u64(buf, v.unsigned_abs());
}

/// A fixed-point number with 5 decimals (`21893179` → `218.93179`): floats
/// are kept as integers so the very same text lands in song and event files,
/// and parsing it back yields the very same `f64` on both sides.
pub(crate) fn push_fixed5(buf: &mut Vec<u8>, v: i64) {
    if v < 0 {
        buf.push(b'-');
    }
    let a = v.unsigned_abs();
    push_u64(buf, a / 100_000);
    buf.push(b'.');
    let mut frac = a % 100_000;
    let mut digits = [b'0'; 5];
    for d in digits.iter_mut().rev() {
        *d = b'0' + (frac % 10) as u8;
        frac /= 10;
    }
    buf.extend_from_slice(&digits);
}

pub(crate) fn push_opt_fixed5(buf: &mut Vec<u8>, v: Option<i64>) {
    match v {
        Some(v) => push_fixed5(buf, v),
        None => buf.extend_from_slice(b"null"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(s: &str, slash: bool) -> String {
        let mut buf = Vec::new();
        push_str(&mut buf, s, slash);
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn escapes_like_the_sample_files() {
        assert_eq!(lit("Santafè", false), r#""Santaf\u00e8""#);
        assert_eq!(lit(r#"say "hi" \m/"#, false), r#""say \"hi\" \\m/""#);
        assert_eq!(lit("Mozilla/5.0", true), r#""Mozilla\/5.0""#);
        assert_eq!(lit("a\nb\u{1}", false), r#""a\nb\u0001""#);
        assert_eq!(lit("🎸", false), r#""\ud83c\udfb8""#);
    }

    #[test]
    fn escaped_strings_parse_back() {
        for s in ["", "plain", "Beyoncé 東京 ♥ 🎸", "\"q\" \\ / \t", "AC/DC"] {
            for slash in [false, true] {
                let back: String = serde_json::from_str(&lit(s, slash)).unwrap();
                assert_eq!(back, s);
            }
        }
    }

    #[test]
    fn numbers() {
        let mut buf = Vec::new();
        push_u64(&mut buf, 0);
        buf.push(b' ');
        push_i64(&mut buf, -1541030400000);
        buf.push(b' ');
        push_fixed5(&mut buf, 21893179);
        buf.push(b' ');
        push_fixed5(&mut buf, -5);
        buf.push(b' ');
        push_u64(&mut buf, u64::MAX);
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            "0 -1541030400000 218.93179 -0.00005 18446744073709551615"
        );
    }
}
