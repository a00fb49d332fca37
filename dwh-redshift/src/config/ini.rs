//! A reader for the classic projects' `dwh.cfg`, with the rules of Python's
//! configparser that wrote and read them: `[SECTION]` headers, `=` or `:`
//! between key and value, whole-line `#`/`;` comments, and indented lines
//! that continue the value above. A UTF-8 BOM and CRLF line ends are
//! accepted. Problems never quote a line: any line may hold part of a
//! secret (a password wrapped onto the next line, say).

/// One `KEY = value` of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// 1-based line of the key.
    pub line: usize,
    /// Section and key as written, for messages.
    pub section: String,
    pub key: String,
    /// Trimmed, one pair of surrounding quotes removed.
    pub value: String,
    /// The first indented line that continued the value, if any.
    pub continued_at: Option<usize>,
}

impl Entry {
    /// `SECTION.KEY`, as written in the file.
    pub fn name(&self) -> String {
        format!("{}.{}", self.section, self.key)
    }
}

/// The entries of `text`, and one message per line that is not an entry.
pub fn parse(text: &str) -> (Vec<Entry>, Vec<String>) {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut entries: Vec<Entry> = Vec::new();
    let mut problems = Vec::new();
    let mut section: Option<String> = None;
    // Whether the previous non-blank line was an entry, which an indented
    // line would continue.
    let mut open_entry = false;
    for (index, raw) in text.lines().enumerate() {
        let n = index + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if raw.starts_with([' ', '\t']) && open_entry {
            let last = entries.last_mut().expect("an open entry");
            last.continued_at.get_or_insert(n);
            last.value.push('\n');
            last.value.push_str(line);
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = Some(name.trim().to_owned());
            open_entry = false;
            continue;
        }
        let after = entries
            .last()
            .map(|e| format!(" (after {})", e.name()))
            .unwrap_or_default();
        open_entry = false;
        let Some((key, value)) = split_entry(line) else {
            problems.push(format!(
                "line {n}{after}: expected `KEY = value`; the line is not shown, as it may hold \
                 part of a secret (a value wrapped onto the next line must be joined)"
            ));
            continue;
        };
        let Some(section) = &section else {
            problems.push(format!(
                "line {n}: a key before any [SECTION] header; put it below the section it \
                 belongs to (such as [CLUSTER] or [DWH])"
            ));
            continue;
        };
        entries.push(Entry {
            line: n,
            section: section.clone(),
            key: key.to_owned(),
            value: unquote(value).to_owned(),
            continued_at: None,
        });
        open_entry = true;
    }
    (entries, problems)
}

/// `key`, `value` around the first `=` or `:`, as configparser splits; a
/// "key" that is not a word is no key (half a wrapped secret, say).
fn split_entry(line: &str) -> Option<(&str, &str)> {
    let at = line.find(['=', ':'])?;
    let key = line[..at].trim();
    let plausible = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.');
    plausible.then(|| (key, line[at + 1..].trim()))
}

/// The course's scripts strip one pair of quotes around a value.
fn unquote(value: &str) -> &str {
    for q in ['\'', '"'] {
        if let Some(inner) = value.strip_prefix(q).and_then(|v| v.strip_suffix(q)) {
            return inner;
        }
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_sections_separators_quotes_and_continuations() {
        let text = "\u{feff}[aws]\r\nkey : 'v1'\r\n\r\n[DWH]\nA=\"x=y\"\n  more\n; c\nB:\n";
        let (entries, problems) = parse(text);
        assert!(problems.is_empty(), "{problems:?}");
        let got: Vec<_> = entries
            .iter()
            .map(|e| (e.name(), e.value.as_str(), e.continued_at))
            .collect();
        assert_eq!(
            got,
            [
                ("aws.key".to_owned(), "v1", None),
                ("DWH.A".to_owned(), "x=y\nmore", Some(6)),
                ("DWH.B".to_owned(), "", None),
            ]
        );
    }

    #[test]
    fn problems_name_lines_never_their_text() {
        let (entries, problems) = parse("X=1\n[C]\nP=hunter\n2-secret-half\n  \nnot a key=value\n");
        assert_eq!(entries.len(), 1);
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].starts_with("line 1:"));
        assert!(problems[1].starts_with("line 4 (after C.P)"));
        assert!(problems[2].starts_with("line 6 (after C.P)"));
        for p in &problems {
            assert!(
                !p.contains("secret-half") && !p.contains("not a key"),
                "{p}"
            );
        }
    }
}
