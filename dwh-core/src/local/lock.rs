//! The engine lock: two processes ensuring the same engine at once must
//! not both run initdb or start a server.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::ErrorKind;
use std::path::Path;
use std::time::{Duration, Instant};

use super::LocalError;

/// Longer than a first start (initdb plus start) takes on a slow machine.
const LOCK_TIMEOUT: Duration = Duration::from_secs(120);

/// Held while alive; dropping it closes the file, which releases the lock.
/// The file is opened close-on-exec, so a server started while it is held
/// does not inherit (and keep) the lock.
#[derive(Debug)]
pub(crate) struct EngineLock {
    _file: File,
}

/// Takes the exclusive lock on `path`, polling rather than blocking so
/// that no runtime thread is tied up and the wait can time out.
pub(crate) async fn acquire(path: &Path) -> Result<EngineLock, LocalError> {
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(|e| match e.kind() {
            ErrorKind::PermissionDenied => LocalError::DirNotUsable {
                dir: path.parent().unwrap_or(path).to_owned(),
                reason: format!("{} cannot be created ({e})", path.display()),
            },
            _ => LocalError::io("open", path)(e),
        })?;
    let deadline = Instant::now() + LOCK_TIMEOUT;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(EngineLock { _file: file }),
            Err(TryLockError::WouldBlock) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(TryLockError::WouldBlock) => {
                return Err(LocalError::LockTimeout {
                    path: path.to_owned(),
                    secs: LOCK_TIMEOUT.as_secs(),
                })
            }
            Err(TryLockError::Error(e)) => return Err(LocalError::io("lock", path)(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::local::test_support::TempDir;

    #[tokio::test]
    async fn the_lock_is_exclusive_until_dropped() {
        let tmp = TempDir::new("lock");
        let path = tmp.join("engine.lock");
        let held = acquire(&path).await.unwrap();
        // A second open file description, as another process would have.
        let other = File::options().write(true).open(&path).unwrap();
        assert!(matches!(other.try_lock(), Err(TryLockError::WouldBlock)));
        drop(held);
        other.try_lock().unwrap();
    }
}
