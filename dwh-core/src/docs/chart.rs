//! One analysis result as an inline SVG bar chart, for projects without a
//! chart renderer of their own. Bars and text take the site's colours from
//! CSS classes, so the light and dark themes both style them.
//!
//! Any result shape works: the value is the last column whose values are all
//! numbers, the label every other column of the row (`title · artist`).

use serde_json::Value;

use super::html::escape;
use crate::project::AnalysisResult;

/// Bars drawn at most; a longer result is cut, and says so.
const MAX_BARS: usize = 40;
const WIDTH: f64 = 640.0;
const LABEL_WIDTH: f64 = 250.0;
const VALUE_WIDTH: f64 = 70.0;
const ROW: f64 = 22.0;
/// Characters of a label before it is cut with `…`.
const LABEL_CHARS: usize = 38;

/// The chart of `result`, or `None` when it has no rows or no numeric column.
pub fn bars(result: &AnalysisResult) -> Option<String> {
    let value_col = value_column(result)?;
    let rows: Vec<(String, f64)> = result
        .rows
        .iter()
        .take(MAX_BARS)
        .map(|row| {
            (
                label(row, value_col),
                row[value_col].as_f64().unwrap_or(0.0),
            )
        })
        .collect();
    let max = rows.iter().map(|(_, v)| *v).fold(0.0, f64::max);
    let height = ROW * rows.len() as f64 + 8.0;
    let bar_room = WIDTH - LABEL_WIDTH - VALUE_WIDTH;
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" \
         aria-label=\"{title}: {value} by row\">\n<title>{title}</title>\n",
        title = escape(result.title),
        value = escape(&result.columns[value_col]),
    );
    for (i, (text, value)) in rows.iter().enumerate() {
        let y = 4.0 + ROW * i as f64;
        let width = if max > 0.0 {
            (value.max(0.0) / max * bar_room).max(1.0)
        } else {
            1.0
        };
        svg.push_str(&format!(
            "<g><title>{full}: {number}</title>\
             <text class=\"label\" x=\"{lx}\" y=\"{ty}\" text-anchor=\"end\">{short}</text>\
             <rect class=\"bar\" x=\"{LABEL_WIDTH}\" y=\"{y}\" width=\"{width:.1}\" height=\"{h}\" rx=\"2\"/>\
             <text class=\"value\" x=\"{vx:.1}\" y=\"{ty}\">{number}</text></g>\n",
            full = escape(text),
            short = escape(&shorten(text)),
            number = number(*value),
            lx = LABEL_WIDTH - 6.0,
            ty = y + ROW * 0.68,
            h = ROW - 6.0,
            vx = LABEL_WIDTH + width + 5.0,
        ));
    }
    svg.push_str("</svg>\n");
    if result.rows.len() > MAX_BARS {
        svg.push_str(&format!(
            "<p class=\"muted\">The first {MAX_BARS} of {} rows.</p>\n",
            result.rows.len()
        ));
    }
    Some(svg)
}

/// The last column holding a number in some row and nothing but numbers
/// or NULL in the others.
fn value_column(result: &AnalysisResult) -> Option<usize> {
    (0..result.columns.len()).rev().find(|&c| {
        result.rows.iter().any(|r| r[c].is_number())
            && result
                .rows
                .iter()
                .all(|r| r[c].is_number() || r[c].is_null())
    })
}

fn label(row: &[Value], value_col: usize) -> String {
    let parts: Vec<String> = row
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != value_col)
        .map(|(_, v)| match v {
            Value::String(s) => s.clone(),
            Value::Null => "(none)".to_owned(),
            other => other.to_string(),
        })
        .collect();
    parts.join(" · ")
}

fn shorten(text: &str) -> String {
    if text.chars().count() <= LABEL_CHARS {
        return text.to_owned();
    }
    let cut: String = text.chars().take(LABEL_CHARS - 1).collect();
    format!("{cut}…")
}

/// Whole numbers without decimals, others with at most two.
fn number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{value:.0}")
    } else {
        format!("{value:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn result(columns: &[&str], rows: Vec<Vec<Value>>) -> AnalysisResult {
        AnalysisResult {
            key: "k",
            title: "Top <songs>",
            columns: columns.iter().map(|c| (*c).to_owned()).collect(),
            rows,
        }
    }

    #[test]
    fn one_bar_per_row_scaled_to_the_largest_value() {
        let r = result(
            &["title", "artist", "plays"],
            vec![
                vec![json!("You're The One"), json!("Dwight Yoakam"), json!(37)],
                vec![json!("Catch You Baby"), json!("Lonnie Gordon"), json!(9)],
            ],
        );
        let svg = bars(&r).unwrap();
        assert_eq!(svg.matches("<rect class=\"bar\"").count(), 2);
        assert!(
            svg.contains(">You&#39;re The One · Dwight Yoakam</text>"),
            "{svg}"
        );
        assert!(svg.contains("<title>Top &lt;songs&gt;</title>"), "{svg}");
        let full = LABEL_WIDTH + (WIDTH - LABEL_WIDTH - VALUE_WIDTH);
        assert!(svg.contains(&format!("width=\"{:.1}\"", full - LABEL_WIDTH)));
        assert!(svg.contains(&format!(
            "width=\"{:.1}\"",
            9.0 / 37.0 * (full - LABEL_WIDTH)
        )));
    }

    #[test]
    fn the_value_is_the_last_all_numeric_column() {
        let r = result(
            &["hour", "plays", "note"],
            vec![
                vec![json!(0), json!(5), json!("x")],
                vec![json!(1), json!(null), json!("y")],
            ],
        );
        let svg = bars(&r).unwrap();
        assert!(
            svg.contains("aria-label=\"Top &lt;songs&gt;: plays by row\""),
            "{svg}"
        );
        assert!(svg.contains(">0 · x</text>"), "{svg}");
    }

    #[test]
    fn no_chart_without_rows_or_numbers() {
        assert!(bars(&result(&["a", "n"], vec![])).is_none());
        assert!(bars(&result(&["a"], vec![vec![json!("x")]])).is_none());
    }

    #[test]
    fn long_results_are_cut_and_say_so() {
        let rows = (0..50)
            .map(|i| vec![json!(i.to_string()), json!(i)])
            .collect();
        let svg = bars(&result(&["k", "n"], rows)).unwrap();
        assert_eq!(svg.matches("<rect").count(), MAX_BARS);
        assert!(svg.contains("The first 40 of 50 rows."));
    }
}
