//! Printing analysis results: one aligned table per analysis.

use dwh_core::project::AnalysisResult;
use serde_json::Value;

use crate::ui;

pub fn print_analysis(results: &[AnalysisResult]) {
    for result in results {
        println!("\n{}", result.title);
        let headers: Vec<&str> = result.columns.iter().map(String::as_str).collect();
        let rows = result
            .rows
            .iter()
            .map(|row| row.iter().map(cell).collect())
            .collect();
        println!("{}", ui::table(&headers, rows));
    }
}

/// A value as a table cell: integers with thousands separators, text as
/// is, NULL as an empty cell.
fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Number(n) => match n.as_u64() {
            Some(u) => ui::thousands(u),
            None => n.to_string(),
        },
        other => other.to_string(),
    }
}
