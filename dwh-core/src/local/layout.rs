//! Where an engine's files live, and making that place usable by the server
//! user.
//!
//! ```text
//! DIR/engine.lock   serialises ensure/stop between processes
//! DIR/engine.json   the port of the last start
//! DIR/server.log    the server's log (appended to)
//! DIR/sock/         the server's Unix socket
//! DIR/data/         the cluster (0700, owned by the server user)
//! ```

use std::fs::DirBuilder;
use std::io::ErrorKind;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::user::RunAs;
use super::LocalError;

/// Environment variable overriding the engine directory.
pub const LOCAL_DIR_ENV: &str = "DWH_LOCAL_DIR";

/// Parent of the engine directories of root. The server user cannot reach
/// a project under root's 0700 home, so root's engines live here instead:
/// world-traversable, and unlike /tmp kept across reboots.
const ROOT_ENGINE_PARENT: &str = "/var/tmp";

/// Longest Unix socket path the kernel takes (`sun_path` is 104 bytes on
/// macOS and 108 on Linux, NUL included).
const MAX_SOCKET_PATH: usize = 103;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Layout {
    dir: PathBuf,
}

impl Layout {
    pub fn new(dir: PathBuf) -> Self {
        Layout { dir }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    pub fn pid_file(&self) -> PathBuf {
        self.data().join("postmaster.pid")
    }

    pub fn version_file(&self) -> PathBuf {
        self.data().join("PG_VERSION")
    }

    pub fn log(&self) -> PathBuf {
        self.dir.join("server.log")
    }

    pub fn record(&self) -> PathBuf {
        self.dir.join("engine.json")
    }

    pub fn lock(&self) -> PathBuf {
        self.dir.join("engine.lock")
    }

    /// The socket directory, or `None` when its socket path would be too
    /// long for the kernel; the server then listens on TCP only.
    pub fn socket_dir(&self) -> Option<PathBuf> {
        let dir = self.dir.join("sock");
        let socket_len = dir.as_os_str().len() + "/.s.PGSQL.65535".len();
        (socket_len <= MAX_SOCKET_PATH).then_some(dir)
    }

    pub fn is_initialised(&self) -> bool {
        self.version_file().is_file()
    }
}

/// `DWH_LOCAL_DIR` if set, else `TARGET/dwh-local`.
pub(crate) fn default_dir(workspace_target_dir: &Path) -> PathBuf {
    match std::env::var_os(LOCAL_DIR_ENV) {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => workspace_target_dir.join("dwh-local"),
    }
}

/// The directory that holds the engine asked for at `requested`: that very
/// directory, except for root, whose engines move to a directory the server
/// user can reach (see [`ROOT_ENGINE_PARENT`]).
pub(crate) fn engine_dir(requested: &Path, run_as: &RunAs) -> Result<PathBuf, LocalError> {
    // Lexically absolute, not canonical: the requested directory need not
    // exist, and its name must map to the same place whether it does or not.
    // Rebuilt from components to drop `.` and trailing slashes, which
    // would change the relocated name.
    let requested: PathBuf = std::path::absolute(requested)
        .map_err(LocalError::io("resolve", requested))?
        .components()
        .collect();
    Ok(match run_as {
        RunAs::Current { .. } => requested,
        RunAs::Other(user) => relocated_dir(Path::new(ROOT_ENGINE_PARENT), &user.name, &requested),
    })
}

/// `PARENT/dwh-USER-HASH`, HASH naming the requested directory so that each
/// project keeps its own engine.
fn relocated_dir(parent: &Path, user: &str, requested: &Path) -> PathBuf {
    let hash = fnv1a(requested.as_os_str().as_bytes());
    parent.join(format!("dwh-{user}-{:012x}", hash >> 16))
}

/// FNV-1a: tiny, and unlike std's hashers guaranteed stable across Rust
/// releases, which matters because the result names a directory on disk.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Creates the engine and socket directories, owned by the server user.
pub(crate) fn prepare(layout: &Layout, run_as: &RunAs) -> Result<(), LocalError> {
    make_private_dir(layout.dir(), run_as)?;
    if let Some(socket_dir) = layout.socket_dir() {
        make_private_dir(&socket_dir, run_as)?;
    }
    check_owner(&layout.data(), run_as)
}

fn make_private_dir(dir: &Path, run_as: &RunAs) -> Result<(), LocalError> {
    let not_usable = |reason: String| LocalError::DirNotUsable {
        dir: dir.to_owned(),
        reason,
    };
    let created = match dir.parent() {
        Some(parent) => std::fs::create_dir_all(parent),
        None => Ok(()),
    }
    .and_then(|()| DirBuilder::new().mode(0o700).create(dir));
    match created {
        Err(e) if e.kind() != ErrorKind::AlreadyExists => {
            return Err(not_usable(format!("it could not be created ({e})")))
        }
        _ => {}
    }
    let meta = match run_as {
        RunAs::Current { .. } => std::fs::metadata(dir),
        // Root's engines live in a world-writable parent, where a symlink
        // may have been planted to make root chown something else: such a
        // symlink is not a directory here.
        RunAs::Other(_) => std::fs::symlink_metadata(dir),
    }
    .map_err(LocalError::io("inspect", dir))?;
    if !meta.is_dir() {
        return Err(not_usable("it is not a directory".into()));
    }
    if meta.uid() == run_as.uid() {
        return Ok(());
    }
    match run_as {
        // Root created it (now or in an earlier run): hand it over.
        RunAs::Other(user) if meta.uid() == 0 => {
            std::os::unix::fs::chown(dir, Some(user.uid), Some(user.gid))
                .map_err(LocalError::io("change the owner of", dir))?;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
                .map_err(LocalError::io("set permissions of", dir))
        }
        _ => Err(not_owned(dir, meta.uid(), run_as)),
    }
}

/// PostgreSQL refuses a data directory of another user; say so up front,
/// with the way out.
fn check_owner(path: &Path, run_as: &RunAs) -> Result<(), LocalError> {
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
        Err(e) => Err(LocalError::io("inspect", path)(e)),
        Ok(meta) if meta.uid() == run_as.uid() => Ok(()),
        Ok(meta) => Err(not_owned(path, meta.uid(), run_as)),
    }
}

fn not_owned(path: &Path, owner: u32, run_as: &RunAs) -> LocalError {
    LocalError::DirNotUsable {
        dir: path.to_owned(),
        reason: format!(
            "it is owned by uid {owner}, but the server runs as uid {}",
            run_as.uid()
        ),
    }
}

/// What a start leaves behind for the next `ensure` and `status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct EngineRecord {
    pub port: u16,
}

/// The record, if there is a readable one: it is only a hint (the port to
/// try first), so a damaged one is ignored.
pub(crate) fn read_record(layout: &Layout) -> Option<EngineRecord> {
    let text = std::fs::read_to_string(layout.record()).ok()?;
    serde_json::from_str(&text)
        .inspect_err(|e| tracing::warn!(path = %layout.record().display(), "ignoring {e}"))
        .ok()
}

pub(crate) fn write_record(layout: &Layout, record: &EngineRecord) -> Result<(), LocalError> {
    let path = layout.record();
    let temp = layout.dir().join("engine.json.tmp");
    let text = serde_json::to_string_pretty(record).expect("a record always serialises");
    // Write-then-rename, so a reader never sees half a file.
    std::fs::write(&temp, text + "\n").map_err(LocalError::io("write", &temp))?;
    std::fs::rename(&temp, &path).map_err(LocalError::io("write", &path))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::local::test_support::TempDir;

    fn current() -> RunAs {
        // SAFETY: geteuid has no preconditions and cannot fail.
        RunAs::Current {
            uid: unsafe { libc::geteuid() },
        }
    }

    #[test]
    fn default_dir_is_under_target() {
        if std::env::var_os(LOCAL_DIR_ENV).is_none() {
            let dir = default_dir(Path::new("/work/target"));
            assert_eq!(dir, Path::new("/work/target/dwh-local"));
        }
    }

    #[test]
    fn unprivileged_engines_stay_where_asked() {
        let dir = engine_dir(Path::new("/home/me/proj/target/dwh-local"), &current()).unwrap();
        assert_eq!(dir, Path::new("/home/me/proj/target/dwh-local"));
    }

    #[test]
    fn spellings_of_one_dir_are_one_engine() {
        let plain = engine_dir(Path::new("/p/target/dwh-local"), &current()).unwrap();
        for other in ["/p/target/dwh-local/", "/p/./target//dwh-local"] {
            assert_eq!(engine_dir(Path::new(other), &current()).unwrap(), plain);
        }
    }

    #[test]
    fn relative_dirs_are_made_absolute() {
        let dir = engine_dir(Path::new("target/dwh-local"), &current()).unwrap();
        assert_eq!(
            dir,
            std::env::current_dir().unwrap().join("target/dwh-local")
        );
    }

    #[test]
    fn root_engines_move_to_a_stable_per_project_dir() {
        let parent = Path::new("/var/tmp");
        let a = relocated_dir(parent, "postgres", Path::new("/root/a/target/dwh-local"));
        let b = relocated_dir(parent, "postgres", Path::new("/root/b/target/dwh-local"));
        assert_ne!(a, b);
        // The name must never change between releases: it locates data.
        assert_eq!(a, Path::new("/var/tmp/dwh-postgres-204a4d8ab907"));
        assert_eq!(
            a,
            relocated_dir(parent, "postgres", Path::new("/root/a/target/dwh-local"))
        );
    }

    #[test]
    fn long_dirs_get_no_socket() {
        assert!(Layout::new("/tmp/x".into()).socket_dir().is_some());
        let long = PathBuf::from("/tmp").join("d".repeat(100));
        assert_eq!(Layout::new(long).socket_dir(), None);
    }

    #[test]
    fn prepare_creates_the_private_dirs() {
        let tmp = TempDir::new("layout-prepare");
        let layout = Layout::new(tmp.join("nested/engine"));
        prepare(&layout, &current()).unwrap();
        let mode = std::fs::metadata(layout.dir())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700);
        assert!(layout.socket_dir().unwrap().is_dir());
        prepare(&layout, &current()).unwrap(); // idempotent
    }

    #[test]
    fn files_are_not_engine_dirs() {
        let tmp = TempDir::new("layout-file");
        let file = tmp.join("engine");
        std::fs::write(&file, "").unwrap();
        let err = prepare(&Layout::new(file), &current()).unwrap_err();
        assert!(err.to_string().contains("it is not a directory"), "{err}");
    }

    #[test]
    fn foreign_dirs_are_refused_with_a_way_out() {
        let tmp = TempDir::new("layout-foreign");
        let dir = tmp.join("engine");
        std::fs::create_dir(&dir).unwrap();
        let someone_else = RunAs::Current {
            uid: current().uid() + 4242,
        };
        let err = prepare(&Layout::new(dir.clone()), &someone_else).unwrap_err();
        let message = err.to_string();
        assert!(matches!(err, LocalError::DirNotUsable { .. }), "{message}");
        assert!(
            message.contains(&format!("remove {}", dir.display())),
            "{message}"
        );
        assert!(message.contains("DWH_LOCAL_DIR"), "{message}");
    }

    #[test]
    fn records_round_trip_and_damage_is_ignored() {
        let tmp = TempDir::new("layout-record");
        let layout = Layout::new(tmp.to_path_buf());
        assert_eq!(read_record(&layout), None);
        write_record(&layout, &EngineRecord { port: 54321 }).unwrap();
        assert_eq!(read_record(&layout), Some(EngineRecord { port: 54321 }));
        std::fs::write(layout.record(), "{not json").unwrap();
        assert_eq!(read_record(&layout), None);
    }
}
