//! Standard output for commands whose output is the product (`dwh ddl`,
//! `dwh diagram`): every write error is returned, never a panic as with
//! `print!`, so that `main` can end quietly when the reader went away
//! (`dwh ddl | head -1`) and report anything else (a full disk).

use std::io::{self, Write};

/// A failed write to standard output.
#[derive(Debug, thiserror::Error)]
#[error("cannot write to standard output: {0}")]
pub struct StdoutError(#[from] pub io::Error);

impl StdoutError {
    /// The reader closed the pipe: not an error for a command-line tool.
    pub fn is_broken_pipe(&self) -> bool {
        self.0.kind() == io::ErrorKind::BrokenPipe
    }
}

/// Writes `text` to standard output and flushes it.
pub fn print(text: &str) -> Result<(), StdoutError> {
    let mut stdout = io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()?;
    Ok(())
}

/// True when `error` is a write to a closed pipe (see [`StdoutError`]).
pub fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|e| {
        e.downcast_ref::<StdoutError>()
            .is_some_and(StdoutError::is_broken_pipe)
    })
}
