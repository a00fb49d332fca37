//! Where the library's lines, tables and spinners go. A front end installs
//! its [`Console`] once ([`install`]); the dwh command line's writes
//! through its own streams and draws indicatif spinners. Without one, lines
//! go to the standard streams (a failed write is ignored, never a panic),
//! tables are tab-separated and a spinner is its message on one line.

use std::fmt;
use std::io::Write;
use std::sync::OnceLock;

/// A front end's output, for every line the library prints.
pub trait Console: Send + Sync {
    /// Standard output (`println!` in this crate).
    fn out(&self, text: fmt::Arguments);
    /// Standard error (`eprintln!` in this crate).
    fn err(&self, text: fmt::Arguments);
    /// `rows` under `header`, as text to print.
    fn table(&self, header: &[&str], rows: Vec<Vec<String>>) -> String;
    /// A spinner for work under way, with `message`.
    fn spinner(&self, message: String) -> Box<dyn Spinner>;
}

/// A running spinner.
pub trait Spinner: Send + Sync {
    /// Replaces the message.
    fn set_message(&self, message: String);
    /// Removes the spinner: the work is done.
    fn finish_and_clear(&self);
}

static CONSOLE: OnceLock<Box<dyn Console>> = OnceLock::new();

/// Sends the library's output to `console` from now on; `false` (and
/// nothing changes) when a console was installed already.
pub fn install(console: impl Console + 'static) -> bool {
    CONSOLE.set(Box::new(console)).is_ok()
}

fn console() -> &'static dyn Console {
    CONSOLE.get_or_init(|| Box::new(Plain)).as_ref()
}

/// The `println!` of this crate.
pub fn out(text: fmt::Arguments) {
    console().out(text);
}

/// The `eprintln!` of this crate.
pub fn err(text: fmt::Arguments) {
    console().err(text);
}

/// `rows` under `header`, as the installed console lays out tables.
pub fn table(header: &[&str], rows: Vec<Vec<String>>) -> String {
    console().table(header, rows)
}

/// A spinner for work under way.
pub fn spinner(message: impl Into<String>) -> Box<dyn Spinner> {
    console().spinner(message.into())
}

/// The console without a front end: the standard streams.
struct Plain;

impl Console for Plain {
    fn out(&self, text: fmt::Arguments) {
        let _ = std::io::stdout().lock().write_fmt(text);
    }

    fn err(&self, text: fmt::Arguments) {
        let _ = std::io::stderr().lock().write_fmt(text);
    }

    fn table(&self, header: &[&str], rows: Vec<Vec<String>>) -> String {
        let mut lines = vec![header.join("\t")];
        lines.extend(rows.iter().map(|row| row.join("\t")));
        lines.join("\n")
    }

    fn spinner(&self, message: String) -> Box<dyn Spinner> {
        self.err(format_args!("· {message}\n"));
        Box::new(Silent)
    }
}

struct Silent;

impl Spinner for Silent {
    fn set_message(&self, _: String) {}
    fn finish_and_clear(&self) {}
}
