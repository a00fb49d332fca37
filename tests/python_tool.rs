//! Python tools the tests run (the AWS emulator moto, the SQL parser
//! sqlfluff), each installed from PyPI into a venv of its own under the
//! target directory, once: a marker file names the installed version, and a
//! lock file keeps parallel test processes from installing twice.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A pinned PyPI requirement installed into `<parent>/<name>`.
pub struct PythonTool<'a> {
    /// The venv's folder name, e.g. `moto-venv`.
    pub name: &'a str,
    /// What pip installs, e.g. `moto[server]==5.2.5`.
    pub requirement: &'a str,
}

impl PythonTool<'_> {
    /// The venv below `parent`, installed unless an earlier run did.
    pub fn ensure_installed(&self, parent: &Path) -> PathBuf {
        let venv = parent.join(self.name);
        let marker = venv.join(format!(".dwh-installed-{}", self.requirement));
        if marker.exists() {
            return venv;
        }
        std::fs::create_dir_all(parent).unwrap();
        let lock = File::create(parent.join(format!("{}.lock", self.name))).unwrap();
        lock.lock().expect("locking the venv's lock file");
        if !marker.exists() {
            eprintln!(
                "installing {} into {} (once)",
                self.requirement,
                venv.display()
            );
            if !venv.join("bin/python").exists() {
                run_checked(
                    Command::new("python3").args(["-m", "venv"]).arg(&venv),
                    "creating a venv (needs python3 with the venv module)",
                );
            }
            run_checked(
                Command::new(venv.join("bin/pip")).args([
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                    self.requirement,
                ]),
                &format!("installing {} from PyPI", self.requirement),
            );
            std::fs::write(&marker, b"").unwrap();
        }
        drop(lock);
        venv
    }
}

/// Runs `command`; a failure panics with its output.
pub fn run_checked(command: &mut Command, what: &str) {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run {command:?}: {e}"));
    assert!(
        output.status.success(),
        "{what} failed ({}):\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
