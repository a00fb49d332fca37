//! Every byte dwh prints: `println!`, `eprintln!`, `print!` and `eprint!`
//! in this crate are this module's (see the macros in `lib.rs`), and
//! `dwh ddl`/`dwh diagram` print their product through [`print`].
//!
//! A write never panics and never stops the work. A reader gone away
//! (`dwh all | head -1`, `dwh all 2>&1 | head -1`) silences that stream
//! for the rest of the run, and the work goes on: a migration or a load
//! completes or rolls back, never stops half way, and the exit code is the
//! one its outcome deserves (2 for a failed check), as without the pipe.
//! Any other stdout failure (a full disk) is remembered and reported once
//! at the end ([`finish`]), exit 1 when the work itself succeeded.

use std::fmt;
use std::io::{self, Write};
use std::process::ExitCode;
use std::sync::Mutex;

/// A failed write to standard output.
#[derive(Debug, thiserror::Error)]
#[error("cannot write to standard output: {0}")]
pub struct StdoutError(#[from] pub io::Error);

/// How a stream has fared so far: writable, or the first error it gave.
struct Stream {
    failed: Mutex<Option<Failure>>,
}

struct Failure {
    error: io::Error,
    /// Already returned as an error (by [`print`]): not to be said twice.
    reported: bool,
}

impl Stream {
    const fn new() -> Stream {
        Stream {
            failed: Mutex::new(None),
        }
    }

    fn failed(&self) -> std::sync::MutexGuard<'_, Option<Failure>> {
        // A panic elsewhere while printing must not silence the rest.
        self.failed.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `write` unless the stream failed before; the first failure
    /// silences the stream for good. The failure's kind, if any.
    fn write(&self, write: impl FnOnce() -> io::Result<()>) -> Result<(), io::ErrorKind> {
        let mut failed = self.failed();
        if let Some(failure) = failed.as_ref() {
            return Err(failure.error.kind());
        }
        write().map_err(|error| {
            let kind = error.kind();
            *failed = Some(Failure {
                error,
                reported: false,
            });
            kind
        })
    }

    /// The stream's failure not reported yet, unless it was only the
    /// reader going away; it counts as reported from now on.
    fn report(&self) -> Option<String> {
        let mut failed = self.failed();
        let failure = failed.as_mut()?;
        if failure.reported || failure.error.kind() == io::ErrorKind::BrokenPipe {
            return None;
        }
        failure.reported = true;
        Some(failure.error.to_string())
    }
}

static STDOUT: Stream = Stream::new();
static STDERR: Stream = Stream::new();

/// `print!`/`println!`: standard output, flushed at once so that a pipe
/// reader sees each line as it happens.
pub fn stdout(args: fmt::Arguments) {
    let _ = STDOUT.write(|| {
        let mut stdout = io::stdout().lock();
        stdout.write_fmt(args)?;
        stdout.flush()
    });
}

/// `eprint!`/`eprintln!`: standard error; a failure only silences it.
pub fn stderr(args: fmt::Arguments) {
    let _ = STDERR.write(|| {
        let mut stderr = io::stderr().lock();
        stderr.write_fmt(args)?;
        stderr.flush()
    });
}

/// Writes `text`, a command's product, to standard output. A reader gone
/// away is no error (the rest is not wanted); any other failure is.
pub fn print(text: &str) -> Result<(), StdoutError> {
    match STDOUT.write(|| {
        let mut stdout = io::stdout().lock();
        stdout.write_all(text.as_bytes())?;
        stdout.flush()
    }) {
        Err(kind) if kind != io::ErrorKind::BrokenPipe => {
            let message = STDOUT.report().unwrap_or_else(|| kind.to_string());
            Err(io::Error::new(kind, message).into())
        }
        _ => Ok(()),
    }
}

/// The exit code after the work's own `code`: a failed standard output
/// other than a closed pipe turns a success into one error line and exit 1
/// (output was lost); a closed pipe changes nothing.
pub fn finish(code: ExitCode) -> ExitCode {
    match STDOUT.report() {
        Some(error) => {
            stderr(format_args!(
                "error: cannot write to standard output: {error}\n"
            ));
            if code == ExitCode::SUCCESS {
                ExitCode::FAILURE
            } else {
                code
            }
        }
        None => code,
    }
}
