//! Terminal output: step spinners, summary tables, errors.

use std::io::IsTerminal;
use std::time::Duration;

use comfy_table::{presets::UTF8_FULL_CONDENSED, Cell, CellAlignment, ContentArrangement, Table};
use indicatif::{ProgressBar, ProgressStyle};

use dwh_core::report::{StepRecord, StepStatus};

/// A spinner for a running step; plain lines when output is not a terminal.
pub fn spinner(message: impl Into<String>) -> ProgressBar {
    let message = message.into();
    if !std::io::stderr().is_terminal() {
        eprintln!("· {message}");
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner:.cyan} {msg} {elapsed:.dim}")
            .expect("valid template"),
    );
    bar.set_message(message);
    bar.enable_steady_tick(Duration::from_millis(100));
    bar
}

pub fn finish(bar: &ProgressBar, record: &StepRecord) {
    let mark = match record.status {
        StepStatus::Ok => "✔",
        StepStatus::Failed => "✘",
    };
    let rows = record
        .rows
        .map(|r| format!(" · {} rows", thousands(r)))
        .unwrap_or_default();
    let line = format!(
        "{mark} {}{rows} · {}",
        record.step,
        human_duration(record.duration)
    );
    if bar.is_hidden() {
        eprintln!("{line}");
    } else {
        bar.finish_and_clear();
        eprintln!("{line}");
    }
}

/// `1,234,567`.
pub fn thousands(n: u64) -> String {
    indicatif::HumanCount(n).to_string()
}

pub fn human_duration(d: Duration) -> String {
    if d.as_secs_f64() < 1.0 {
        format!("{} ms", d.as_millis())
    } else {
        format!("{:.2} s", d.as_secs_f64())
    }
}

pub fn bytes(n: u64) -> String {
    if n >= 1 << 20 {
        format!("{:.1} MB", n as f64 / (1 << 20) as f64)
    } else {
        format!("{:.1} kB", n as f64 / 1024.0)
    }
}

/// A table with a header row; numeric-looking cells are right-aligned.
pub fn table(header: &[&str], rows: Vec<Vec<String>>) -> Table {
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header.iter().map(Cell::new));
    for row in rows {
        table.add_row(row.into_iter().map(|value| {
            let numeric = value.replace(',', "").parse::<f64>().is_ok();
            let cell = Cell::new(value);
            if numeric {
                cell.set_alignment(CellAlignment::Right)
            } else {
                cell
            }
        }));
    }
    table
}

pub fn print_error(error: &anyhow::Error) {
    eprintln!("error: {error}");
    for cause in error.chain().skip(1) {
        eprintln!("  caused by: {cause}");
    }
}

/// Asks for `yes` on the terminal; false for any other answer. Callers
/// refuse before asking when stdin is not a terminal.
pub fn confirm(question: &str) -> anyhow::Result<bool> {
    use std::io::BufRead;
    // (dwh's `eprint!` flushes.)
    eprint!("{question} Only 'yes' will be accepted: ");
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(answer.trim() == "yes")
}

/// `staging_songs: 2 new files, 71 loaded before`, as local and Redshift runs say it.
pub fn batch_line(table: &str, new: usize, before: usize) -> String {
    let new = match new {
        0 => "no new files".to_owned(),
        1 => "1 new file".to_owned(),
        n => format!("{} new files", thousands(n as u64)),
    };
    match before {
        0 => format!("  {table}: {new}"),
        n => format!("  {table}: {new}, {} loaded before", thousands(n as u64)),
    }
}
