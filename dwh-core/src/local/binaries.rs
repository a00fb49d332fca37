//! Finding the PostgreSQL server binaries: `initdb`, `pg_ctl` and `postgres`.
//!
//! Distributions rarely put them on PATH (Debian keeps them in
//! `/usr/lib/postgresql/<major>/bin`, Homebrew in keg-only
//! `postgresql@<major>` prefixes), so after the `DWH_PG_BINDIR` override and
//! PATH we ask `pg_config` and then look in those versioned directories.

use std::ffi::{OsStr, OsString};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::LocalError;

/// Environment variable naming the directory of the server binaries.
pub const BINDIR_ENV: &str = "DWH_PG_BINDIR";

const REQUIRED: [&str; 3] = ["initdb", "pg_ctl", "postgres"];

/// Directories holding one subdirectory per installed major version, with
/// the name prefix before the version: Debian/Ubuntu
/// `/usr/lib/postgresql/15/bin`, RHEL PGDG `/usr/pgsql-15/bin`, Homebrew
/// `/opt/homebrew/opt/postgresql@15/bin`.
const VERSIONED_ROOTS: [(&str, &str); 4] = [
    ("/usr/lib/postgresql", ""),
    ("/usr", "pgsql-"),
    ("/opt/homebrew/opt", "postgresql@"),
    ("/usr/local/opt", "postgresql@"),
];

/// A directory holding `initdb`, `pg_ctl` and `postgres`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgBinaries {
    bindir: PathBuf,
}

impl PgBinaries {
    /// Finds the binaries: `DWH_PG_BINDIR`, then PATH, then
    /// `pg_config --bindir`, then the highest version in the usual
    /// versioned install directories.
    ///
    /// With the `download-postgres` feature, when none are found (or
    /// `DWH_PG_BINDIR=download`), a pinned relocatable build is downloaded
    /// once into a cache (see `download`). Blocking: call it off the async
    /// threads.
    pub fn discover() -> Result<Self, LocalError> {
        let override_dir = std::env::var_os(BINDIR_ENV).filter(|v| !v.is_empty());
        #[cfg(feature = "download-postgres")]
        if override_dir.as_deref() == Some(OsStr::new(super::download::DOWNLOAD)) {
            return super::download::binaries(&super::download::cache_dir());
        }
        let found = Self::search(override_dir.map(PathBuf::from));
        #[cfg(feature = "download-postgres")]
        if let Err(LocalError::BinariesNotFound { .. }) = found {
            return super::download::binaries(&super::download::cache_dir());
        }
        found
    }

    fn search(override_dir: Option<PathBuf>) -> Result<Self, LocalError> {
        Search {
            override_dir,
            path: std::env::var_os("PATH"),
            pg_config_bindir: &pg_config_bindir,
            versioned_roots: VERSIONED_ROOTS
                .iter()
                .map(|(dir, prefix)| (PathBuf::from(dir), *prefix))
                .collect(),
        }
        .run()
    }

    /// The directory holding the server binaries.
    pub fn bindir(&self) -> &Path {
        &self.bindir
    }

    /// Path of `initdb`.
    pub fn initdb(&self) -> PathBuf {
        self.bindir.join("initdb")
    }

    /// Path of `pg_ctl`.
    pub fn pg_ctl(&self) -> PathBuf {
        self.bindir.join("pg_ctl")
    }

    /// Path of `postgres`.
    pub fn postgres(&self) -> PathBuf {
        self.bindir.join("postgres")
    }

    /// The binaries in `dir`, or the names of those missing there.
    pub(super) fn in_dir(dir: &Path) -> Result<Self, Vec<&'static str>> {
        let missing: Vec<_> = REQUIRED
            .into_iter()
            .filter(|name| !is_executable(&dir.join(name)))
            .collect();
        if missing.is_empty() {
            Ok(PgBinaries {
                bindir: dir.to_owned(),
            })
        } else {
            Err(missing)
        }
    }
}

/// Everything discovery looks at, so tests can stage fake installations.
struct Search<'a> {
    override_dir: Option<PathBuf>,
    path: Option<OsString>,
    pg_config_bindir: &'a dyn Fn() -> Option<PathBuf>,
    versioned_roots: Vec<(PathBuf, &'static str)>,
}

impl Search<'_> {
    fn run(&self) -> Result<PgBinaries, LocalError> {
        if let Some(dir) = &self.override_dir {
            // An explicit choice that does not work is an error, not a hint
            // to go and pick some other installation.
            return PgBinaries::in_dir(dir).map_err(|missing| LocalError::BadBinDir {
                dir: dir.clone(),
                missing: missing.join(", "),
            });
        }
        if let Some(found) = self.on_path() {
            return Ok(found);
        }
        if let Some(found) = (self.pg_config_bindir)().and_then(|d| PgBinaries::in_dir(&d).ok()) {
            return Ok(found);
        }
        if let Some(found) = self.highest_versioned() {
            return Ok(found);
        }
        let roots: Vec<_> = self
            .versioned_roots
            .iter()
            .map(|(dir, prefix)| format!("{}/{prefix}*/bin", dir.display()))
            .collect();
        Err(LocalError::BinariesNotFound {
            searched: format!("PATH, `pg_config --bindir`, {}", roots.join(", ")),
        })
    }

    /// The first PATH entry with `pg_ctl`. A PATH entry often holds
    /// symlinks to a versioned directory (`/usr/local/bin/pg_ctl ->
    /// /usr/lib/postgresql/15/bin/pg_ctl`); the real directory is preferred
    /// so that all three binaries come from one installation.
    fn on_path(&self) -> Option<PgBinaries> {
        let path = self.path.as_deref()?;
        std::env::split_paths(path)
            .filter(|dir| is_executable(&dir.join("pg_ctl")))
            .find_map(|dir| {
                let real_dir = std::fs::canonicalize(dir.join("pg_ctl"))
                    .ok()
                    .and_then(|p| p.parent().map(Path::to_owned));
                real_dir
                    .and_then(|d| PgBinaries::in_dir(&d).ok())
                    .or_else(|| PgBinaries::in_dir(&dir).ok())
            })
    }

    fn highest_versioned(&self) -> Option<PgBinaries> {
        self.versioned_roots
            .iter()
            .flat_map(|(root, prefix)| versioned_bindirs(root, prefix))
            .filter_map(|(version, dir)| Some((version, PgBinaries::in_dir(&dir).ok()?)))
            .max_by(|a, b| a.0.cmp(&b.0))
            .map(|(_, binaries)| binaries)
    }
}

/// `(version, ROOT/PREFIX<version>/bin)` for each versioned subdirectory.
fn versioned_bindirs(root: &Path, prefix: &str) -> Vec<(Vec<u32>, PathBuf)> {
    let Ok(entries) = std::fs::read_dir(root) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name();
            let version = parse_version(name.to_str()?.strip_prefix(prefix)?)?;
            Some((version, entry.path().join("bin")))
        })
        .collect()
}

/// `"15"` → `[15]`, `"9.6"` → `[9, 6]`; anything else is not a version.
fn parse_version(text: &str) -> Option<Vec<u32>> {
    text.split('.').map(|part| part.parse().ok()).collect()
}

fn pg_config_bindir() -> Option<PathBuf> {
    let output = Command::new("pg_config")
        .arg("--bindir")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let dir = String::from_utf8(output.stdout).ok()?;
    let dir = dir.trim();
    (output.status.success() && !dir.is_empty()).then(|| PathBuf::from(dir))
}

/// `name` in one of the PATH directories, or in `extra` directories.
pub(crate) fn find_program(name: &str, path: Option<&OsStr>, extra: &[&str]) -> Option<PathBuf> {
    let from_path = path.into_iter().flat_map(std::env::split_paths);
    from_path
        .chain(extra.iter().map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    std::fs::metadata(path)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::local::test_support::TempDir;

    fn fake_install(dir: &Path, names: &[&str]) -> PathBuf {
        std::fs::create_dir_all(dir).unwrap();
        for name in names {
            let file = dir.join(name);
            std::fs::write(&file, "#!/bin/sh\n").unwrap();
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        dir.to_owned()
    }

    fn search<'a>(
        override_dir: Option<PathBuf>,
        path: &[&Path],
        pg_config: &'a dyn Fn() -> Option<PathBuf>,
        roots: Vec<(PathBuf, &'static str)>,
    ) -> Search<'a> {
        Search {
            override_dir,
            path: Some(std::env::join_paths(path).unwrap()),
            pg_config_bindir: pg_config,
            versioned_roots: roots,
        }
    }

    const NO_PG_CONFIG: &dyn Fn() -> Option<PathBuf> = &|| None;

    #[test]
    fn override_wins_over_path() {
        let tmp = TempDir::new("bin-override");
        let chosen = fake_install(&tmp.join("chosen"), &REQUIRED);
        let on_path = fake_install(&tmp.join("path"), &REQUIRED);
        let found = search(Some(chosen.clone()), &[&on_path], NO_PG_CONFIG, vec![])
            .run()
            .unwrap();
        assert_eq!(found.bindir(), chosen);
    }

    #[test]
    fn incomplete_override_is_an_error_naming_what_is_missing() {
        let tmp = TempDir::new("bin-bad-override");
        let partial = fake_install(&tmp.join("partial"), &["pg_ctl"]);
        let on_path = fake_install(&tmp.join("path"), &REQUIRED);
        let err = search(Some(partial), &[&on_path], NO_PG_CONFIG, vec![])
            .run()
            .unwrap_err();
        let message = err.to_string();
        assert!(matches!(err, LocalError::BadBinDir { .. }), "{message}");
        assert!(message.contains("initdb, postgres"), "{message}");
    }

    #[test]
    fn path_symlinks_resolve_to_the_real_install() {
        let tmp = TempDir::new("bin-symlink");
        let real = fake_install(&tmp.join("pg/15/bin"), &REQUIRED);
        let linked = tmp.join("linked");
        std::fs::create_dir_all(&linked).unwrap();
        std::os::unix::fs::symlink(real.join("pg_ctl"), linked.join("pg_ctl")).unwrap();
        let found = search(None, &[&tmp.join("empty"), &linked], NO_PG_CONFIG, vec![])
            .run()
            .unwrap();
        assert_eq!(found.bindir(), std::fs::canonicalize(real).unwrap());
    }

    #[test]
    fn incomplete_path_entry_falls_through_to_pg_config() {
        let tmp = TempDir::new("bin-pg-config");
        let partial = fake_install(&tmp.join("path"), &["pg_ctl"]);
        let via_config = fake_install(&tmp.join("config"), &REQUIRED);
        let pg_config = || Some(via_config.clone());
        let found = search(None, &[&partial], &pg_config, vec![]).run().unwrap();
        assert_eq!(found.bindir(), via_config);
    }

    #[test]
    fn highest_complete_version_wins() {
        let tmp = TempDir::new("bin-versions");
        let debian = tmp.join("usr/lib/postgresql");
        fake_install(&debian.join("9.6/bin"), &REQUIRED);
        let v15 = fake_install(&debian.join("15/bin"), &REQUIRED);
        fake_install(&debian.join("16/bin"), &["pg_ctl"]); // client-only: skipped
        fake_install(&debian.join("notes/bin"), &REQUIRED); // not a version
        let brew = tmp.join("opt");
        fake_install(&brew.join("postgresql@14/bin"), &REQUIRED);
        let roots = vec![(debian, ""), (brew, "postgresql@")];
        let found = search(None, &[], NO_PG_CONFIG, roots).run().unwrap();
        assert_eq!(found.bindir(), v15);
    }

    #[test]
    fn nothing_found_says_what_to_install() {
        let tmp = TempDir::new("bin-none");
        let roots = vec![(tmp.join("usr/lib/postgresql"), "")];
        let message = search(None, &[&tmp.join("bin")], NO_PG_CONFIG, roots)
            .run()
            .unwrap_err()
            .to_string();
        assert!(message.contains("apt-get install postgresql"), "{message}");
        assert!(message.contains("brew install postgresql@15"), "{message}");
        assert!(message.contains("DWH_PG_BINDIR"), "{message}");
        assert!(message.contains("usr/lib/postgresql/*/bin"), "{message}");
    }

    #[test]
    fn versions_parse_numerically() {
        assert_eq!(parse_version("15"), Some(vec![15]));
        assert_eq!(parse_version("9.6"), Some(vec![9, 6]));
        assert!(parse_version("9.6") < parse_version("15"));
        assert_eq!(parse_version("common"), None);
        assert_eq!(parse_version(""), None);
    }
}
