//! HTML text helpers and the page shell every page shares.

/// `text` with the five HTML-significant characters escaped: safe in element
/// content and in double- or single-quoted attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A doc comment as paragraphs (blank-line separated), escaped, with
/// `` `code` `` spans kept as code.
pub fn doc(text: &str) -> String {
    text.split("\n\n")
        .filter(|p| !p.trim().is_empty())
        .map(|p| {
            let spans = escape(p.trim()).split('`').enumerate().fold(
                String::new(),
                |mut out, (i, part)| {
                    if i % 2 == 1 {
                        out.push_str(&format!("<code>{part}</code>"));
                    } else {
                        out.push_str(part);
                    }
                    out
                },
            );
            format!("<p>{spans}</p>\n")
        })
        .collect()
}

/// JSON for a `<script type="application/json">` block: `</` cannot end
/// the script element early.
pub fn script_json(value: &serde_json::Value) -> String {
    value.to_string().replace("</", "<\\/")
}

/// One page: `root` is the relative path back to the site root (`""` or
/// `"../"`), so links work when the files are opened from disk.
pub struct Shell<'a> {
    pub project: &'a str,
    pub title: &'a str,
    pub root: &'a str,
    pub has_run: bool,
}

impl Shell<'_> {
    /// The complete document around `body`.
    pub fn render(&self, body: &str) -> String {
        let root = self.root;
        let run = if self.has_run {
            format!(r#"<a href="{root}run.html">Last run</a>"#)
        } else {
            String::new()
        };
        format!(
            r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · {project}</title>
<link rel="stylesheet" href="{root}style.css">
</head>
<body>
<header><a class="brand" href="{root}index.html">{project}</a>
<nav><a href="{root}index.html">Tables</a><a href="{root}lineage.html">Lineage</a>{run}</nav></header>
<main>
{body}</main>
</body>
</html>
"#,
            title = escape(self.title),
            project = escape(self.project),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn doc_keeps_code_spans_and_paragraphs() {
        assert_eq!(
            doc("a `<b>`\n\nc"),
            "<p>a <code>&lt;b&gt;</code></p>\n<p>c</p>\n"
        );
    }

    #[test]
    fn script_json_cannot_close_the_script() {
        let v = serde_json::json!({"x": "</script>"});
        assert!(!script_json(&v).contains("</script"));
    }
}
