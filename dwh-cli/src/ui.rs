//! Terminal output: step spinners, summary tables, errors.

use std::io::IsTerminal;
use std::time::Duration;

use comfy_table::{presets::UTF8_FULL_CONDENSED, Cell, CellAlignment, ContentArrangement, Table};
use indicatif::{ProgressBar, ProgressStyle};

use dwh_core::report::{StepRecord, StepStatus};

// The numbers' text and a batch's line, as dwh-core words them for every
// front end (the Redshift target's library says them too).
pub use dwh_core::load::ledger::batch_line;
pub use dwh_core::report::{bytes, thousands};

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

pub fn human_duration(d: Duration) -> String {
    if d.as_secs_f64() < 1.0 {
        format!("{} ms", d.as_millis())
    } else {
        format!("{:.2} s", d.as_secs_f64())
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
