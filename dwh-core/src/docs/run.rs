//! `run.html`: a run report (`dwh all --report FILE`, or one read back from
//! the warehouse) as tables. The report is read as plain JSON, so this page
//! follows whatever sections it has: arrays of objects become tables,
//! objects become sub-sections. Analyses the project declares are shown in
//! its column order with a chart each: the project's own chart files when
//! it draws them, else a bar chart of the result.

use serde_json::Value;

use super::chart;
use super::html::{escape, Shell};
use crate::project::{AnalysisResult, Project};

/// What the run page shows: the report, and the chart files the project's
/// renderer drew from it (paths relative to the site root).
pub struct RunPage<'a> {
    pub project: &'a Project,
    pub report: &'a Value,
    pub charts: &'a [String],
}

pub fn page(run: &RunPage, shell: &Shell) -> String {
    let report = run.report;
    let mut body = String::from("<h1>Last run</h1>\n");
    if let Some(status) = report.get("status").and_then(Value::as_str) {
        body.push_str(&format!(
            "<p>Status: <span class=\"{}\">{}</span></p>\n",
            if status == "ok" { "ok" } else { "failed" },
            escape(status)
        ));
    }
    if let Some(source) = report.get("source").and_then(Value::as_str) {
        body.push_str(&format!("<p class=\"muted\">{}</p>\n", escape(source)));
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
        let mut names: Vec<&String> = sections
            .keys()
            .filter(|k| *k != "status" && *k != "source")
            .collect();
        names.sort_by_key(|k| known.iter().position(|n| n == k).unwrap_or(known.len()));
        for name in names {
            body.push_str(&format!(
                "<h2 id=\"{}\">{}</h2>\n",
                escape(name),
                escape(heading(name))
            ));
            match &sections[name] {
                Value::Object(results) if name == "analysis" => {
                    body.push_str(&analyses(run, results))
                }
                other => body.push_str(&section(other, 3)),
            }
        }
    }
    shell.render(&body)
}

/// The heading of a report section: known ones in words, others by key.
fn heading(key: &str) -> &str {
    match key {
        "steps" => "Steps",
        "checks" => "Data-quality checks",
        "tables" => "Rows per table",
        "staging" => "Staging loads",
        "transform" => "Star schema loads",
        "analysis" => "Analyses",
        other => other,
    }
}

/// The analyses section: the project's charts, then each declared analysis
/// (in the project's order, columns in field order, with a bar chart when
/// the project draws none), then any result the project no longer declares.
fn analyses(run: &RunPage, results: &serde_json::Map<String, Value>) -> String {
    let figures: String = run
        .charts
        .iter()
        .map(|file| {
            // `charts/top-songs.svg` → "top songs"
            let name = file.rsplit('/').next().unwrap_or(file);
            let name = name.rsplit_once('.').map_or(name, |(stem, _)| stem);
            format!(
                "<figure class=\"chart\"><img src=\"{}\" alt=\"{}\"></figure>\n",
                escape(file),
                escape(&name.replace(['-', '_'], " "))
            )
        })
        .collect();
    let mut out = if figures.is_empty() {
        String::new()
    } else {
        format!("<div class=\"charts\">\n{figures}</div>\n")
    };
    let declared = run.project.analyses();
    for analysis in declared {
        let Some(result) = results
            .get(analysis.key())
            .and_then(|rows| AnalysisResult::from_report(analysis, rows))
        else {
            continue;
        };
        out.push_str(&format!(
            "<section class=\"analysis\" id=\"analysis-{0}\">\n<h3>{1}</h3>\n",
            escape(result.key),
            escape(result.title)
        ));
        let bars = run
            .charts
            .is_empty()
            .then(|| chart::bars(&result))
            .flatten();
        match bars {
            // The chart says it; the rows stay a click away.
            Some(svg) => out.push_str(&format!(
                "<figure class=\"chart\">\n{svg}</figure>\n<details><summary>{} rows</summary>\n{}</details>\n",
                result.rows.len(),
                result_table(&result)
            )),
            None => out.push_str(&result_table(&result)),
        }
        out.push_str("</section>\n");
    }
    for (key, rows) in results {
        if !declared.iter().any(|a| a.key() == key) {
            out.push_str(&format!("<h3>{}</h3>\n{}", escape(key), section(rows, 4)));
        }
    }
    out
}

fn result_table(result: &AnalysisResult) -> String {
    if result.rows.is_empty() {
        return "<p class=\"muted\">No rows.</p>\n".to_owned();
    }
    let head: String = result
        .columns
        .iter()
        .map(|c| format!("<th>{}</th>", escape(c)))
        .collect();
    let body: String = result
        .rows
        .iter()
        .map(|row| {
            let cells: String = row
                .iter()
                .map(|v| format!("<td>{}</td>", cell(v)))
                .collect();
            format!("<tr>{cells}</tr>\n")
        })
        .collect();
    format!("<div class=\"scroll\"><table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}</tbody></table></div>\n")
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

/// Report keys in reading order: what a row is about, its outcome, its
/// figures, then why it failed. A JSON object read back has its keys
/// sorted, so the order is the page's to choose.
const KEY_ORDER: [&str; 16] = [
    "step",
    "table",
    "check",
    "status",
    "passed",
    "location",
    "files",
    "rows",
    "rows_before",
    "rows_after",
    "failures",
    "examples",
    "bytes",
    "rejected",
    "duration_ms",
    "error",
];

/// Rows of objects as one table; columns are every key, known ones in
/// [`KEY_ORDER`], others after them in first-seen order.
fn object_table(rows: &[Value]) -> String {
    let mut keys: Vec<&str> = Vec::new();
    for row in rows.iter().filter_map(Value::as_object) {
        for k in row.keys() {
            if !keys.contains(&k.as_str()) {
                keys.push(k);
            }
        }
    }
    keys.sort_by_key(|k| {
        KEY_ORDER
            .iter()
            .position(|o| o == k)
            .unwrap_or(KEY_ORDER.len())
    });
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
