//! Telling a live server from a stale `postmaster.pid`.
//!
//! A pid file outlives its postmaster when the postmaster is killed (or the
//! machine or container stops), and the pid may since have been reused. A
//! dead postmaster may also leave a zombie (containers whose pid 1 does not
//! reap) or children still attached to its shared memory for a moment.

use std::path::Path;

/// What the pid in a `postmaster.pid` is now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PidStatus {
    /// The postmaster of this data directory.
    Ours,
    /// No process, or a zombie.
    Dead,
    /// Some other process that reuses the pid.
    Foreign,
}

#[cfg(target_os = "linux")]
pub(crate) fn pid_status(pid: i32, data_dir: &Path) -> PidStatus {
    use std::io::ErrorKind;

    let proc_dir = Path::new("/proc").join(pid.to_string());
    match proc_state(&proc_dir) {
        None | Some('Z' | 'X' | 'x') => return PidStatus::Dead,
        Some(_) => {}
    }
    // The postmaster runs in its data directory.
    match (
        std::fs::read_link(proc_dir.join("cwd")),
        std::fs::canonicalize(data_dir),
    ) {
        (Ok(cwd), Ok(data)) if cwd == data => PidStatus::Ours,
        (Ok(_), Ok(_)) => PidStatus::Foreign,
        (Err(e), _) if e.kind() == ErrorKind::NotFound => PidStatus::Dead,
        // Unsure (say /proc/PID/cwd is hidden): assume it is a live server,
        // the one mistake that cannot start a second server on the data.
        _ => PidStatus::Ours,
    }
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn pid_status(pid: i32, _data_dir: &Path) -> PidStatus {
    // Without /proc a live pid cannot be told from a reused one; treat it
    // as the server and let PostgreSQL's own lock-file check decide.
    // SAFETY: kill with signal 0 only checks that the process exists.
    if unsafe { libc::kill(pid, 0) } == 0 {
        return PidStatus::Ours;
    }
    match std::io::Error::last_os_error().raw_os_error() {
        Some(libc::EPERM) => PidStatus::Foreign,
        _ => PidStatus::Dead,
    }
}

/// The state letter of `/proc/PID/stat` (`R`, `S`, `Z`, ...), if the
/// process exists.
#[cfg(target_os = "linux")]
fn proc_state(proc_dir: &Path) -> Option<char> {
    let stat = std::fs::read_to_string(proc_dir.join("stat")).ok()?;
    // "PID (COMM) STATE ...": COMM may hold spaces and parentheses.
    stat.rsplit_once(')')?.1.trim_start().chars().next()
}

/// Live processes whose working directory is `data_dir`: a postmaster, or
/// the children of a killed one that have not yet noticed its death.
#[cfg(target_os = "linux")]
pub(crate) fn processes_in(data_dir: &Path) -> Vec<i32> {
    let Ok(data) = std::fs::canonicalize(data_dir) else {
        return Vec::new();
    };
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut pids: Vec<i32> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| entry.file_name().to_str()?.parse().ok())
        .filter(|pid: &i32| {
            let proc_dir = Path::new("/proc").join(pid.to_string());
            !matches!(proc_state(&proc_dir), None | Some('Z' | 'X' | 'x'))
                && std::fs::read_link(proc_dir.join("cwd")).is_ok_and(|cwd| cwd == data)
        })
        .collect();
    pids.sort_unstable();
    pids
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn processes_in(_data_dir: &Path) -> Vec<i32> {
    Vec::new()
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use crate::local::test_support::TempDir;

    #[test]
    fn a_process_in_the_dir_is_ours_and_found() {
        let tmp = TempDir::new("process-ours");
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .current_dir(tmp.path())
            .spawn()
            .unwrap();
        let pid = child.id() as i32;
        assert_eq!(pid_status(pid, tmp.path()), PidStatus::Ours);
        assert_eq!(processes_in(tmp.path()), vec![pid]);
        assert_eq!(pid_status(pid, Path::new("/")), PidStatus::Foreign);

        child.kill().unwrap();
        // Not yet reaped: a zombie, which counts as dead.
        std::thread::sleep(std::time::Duration::from_millis(100));
        assert_eq!(pid_status(pid, tmp.path()), PidStatus::Dead);
        assert_eq!(processes_in(tmp.path()), Vec::<i32>::new());
        child.wait().unwrap();
        assert_eq!(pid_status(pid, tmp.path()), PidStatus::Dead);
    }
}
