//! `run.html`: a run report (`dwh all --report FILE`) as tables. The report
//! is read as plain JSON, so this page follows whatever sections it has:
//! arrays of objects become tables, objects become sub-sections.

use serde_json::Value;

use super::html::{escape, Shell};

pub fn page(report: &Value, shell: &Shell) -> String {
    let mut body = String::from("<h1>Last run</h1>\n");
    if let Some(status) = report.get("status").and_then(Value::as_str) {
        body.push_str(&format!(
            "<p>Status: <span class=\"{}\">{}</span></p>\n",
            if status == "ok" { "ok" } else { "failed" },
            escape(status)
        ));
    }
    if let Value::Object(sections) = report {
        // What a reader looks for first; any other section follows.
        let known = [
            "steps",
            "checks",
            "tables",
            "staging",
            "transform",
            "analysis",
        ];
        let mut names: Vec<&String> = sections.keys().filter(|k| *k != "status").collect();
        names.sort_by_key(|k| known.iter().position(|n| n == k).unwrap_or(known.len()));
        for name in names {
            body.push_str(&format!("<h2 id=\"{0}\">{0}</h2>\n", escape(name)));
            body.push_str(&section(&sections[name], 3));
        }
    }
    shell.render(&body)
}

/// A value as HTML: a table for arrays of objects (and for objects of
/// scalars, e.g. row counts), sub-sections for objects of anything else.
fn section(value: &Value, level: usize) -> String {
    match value {
        Value::Array(rows) if rows.iter().all(Value::is_object) && !rows.is_empty() => {
            object_table(rows)
        }
        Value::Object(map) if map.values().all(is_scalar) => {
            let rows: String = map
                .iter()
                .map(|(k, v)| format!("<tr><td>{}</td><td>{}</td></tr>\n", escape(k), cell(v)))
                .collect();
            format!("<div class=\"scroll\"><table>\n<tbody>\n{rows}</tbody></table></div>\n")
        }
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| {
                let h = level.min(6);
                format!("<h{h}>{}</h{h}>\n{}", escape(k), section(v, level + 1))
            })
            .collect(),
        Value::Array(items) if items.is_empty() => "<p class=\"muted\">None.</p>\n".to_owned(),
        other => format!("<p>{}</p>\n", cell(other)),
    }
}

fn is_scalar(v: &Value) -> bool {
    !v.is_object() && !v.is_array()
}

/// Rows of objects as one table; columns are every key, in first-seen order.
fn object_table(rows: &[Value]) -> String {
    let mut keys: Vec<&str> = Vec::new();
    for row in rows.iter().filter_map(Value::as_object) {
        for k in row.keys() {
            if !keys.contains(&k.as_str()) {
                keys.push(k);
            }
        }
    }
    let head: String = keys
        .iter()
        .map(|k| format!("<th>{}</th>", escape(k)))
        .collect();
    let body: String = rows
        .iter()
        .map(|row| {
            let cells: String = keys
                .iter()
                .map(|k| format!("<td>{}</td>", row.get(k).map(cell).unwrap_or_default()))
                .collect();
            format!("<tr>{cells}</tr>\n")
        })
        .collect();
    format!("<div class=\"scroll\"><table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}</tbody></table></div>\n")
}

/// One value in a cell: pass/fail coloured, lists joined, nested JSON as code.
fn cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Bool(true) => "<span class=\"ok\">yes</span>".to_owned(),
        Value::Bool(false) => "<span class=\"failed\">no</span>".to_owned(),
        Value::String(s) if s == "ok" => "<span class=\"ok\">ok</span>".to_owned(),
        Value::String(s) if s == "failed" => "<span class=\"failed\">failed</span>".to_owned(),
        Value::String(s) => escape(s),
        // Durations are fractional milliseconds: a tenth is plenty.
        Value::Number(n) => match n.as_f64() {
            Some(f) if !n.is_i64() && !n.is_u64() => format!("{f:.1}"),
            _ => n.to_string(),
        },
        Value::Array(items) if items.iter().all(is_scalar) => {
            items.iter().map(cell).collect::<Vec<_>>().join(", ")
        }
        other => format!("<code>{}</code>", escape(&other.to_string())),
    }
}
