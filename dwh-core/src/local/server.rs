//! Driving the server with `initdb` and `pg_ctl`.

use std::ffi::OsString;
use std::io::{ErrorKind, Read, Seek, SeekFrom};
use std::net::{Ipv4Addr, TcpListener};
use std::path::Path;
use std::time::{Duration, Instant};

use super::layout::Layout;
use super::names::SUPERUSER;
use super::process::{pid_status, processes_in, PidStatus};
use super::user::{sh_quote, RunAs};
use super::{LocalError, PgBinaries};

/// How long `pg_ctl` waits for the server to start or stop.
const PG_CTL_TIMEOUT_SECS: u64 = 30;

/// Starts tried before giving up; each failure was a taken port or an old
/// server still exiting, both of which pass.
const START_ATTEMPTS: usize = 8;

/// How long the children of a killed server get to notice and exit.
const ORPHAN_WAIT: Duration = Duration::from_secs(15);

/// Server log lines quoted in errors.
const LOG_TAIL_LINES: usize = 30;

/// The fields of `postmaster.pid` dwh uses: line 1 is the pid, line 4 the
/// port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PidFile {
    pub pid: i32,
    pub port: u16,
}

impl PidFile {
    fn parse(text: &str) -> Option<Self> {
        let mut lines = text.lines();
        let pid = lines.next()?.trim().parse().ok()?;
        let port = lines.nth(2)?.trim().parse().ok()?;
        Some(PidFile { pid, port })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ServerState {
    Stopped,
    Running(PidFile),
    /// A pid file with no server behind it, or one that cannot be read.
    Stale(Option<PidFile>),
}

pub(crate) fn inspect(layout: &Layout) -> Result<ServerState, LocalError> {
    let path = layout.pid_file();
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(ServerState::Stopped),
        Err(e) => return Err(LocalError::io("read", path)(e)),
    };
    let Some(pid_file) = PidFile::parse(&text) else {
        return Ok(ServerState::Stale(None));
    };
    Ok(match pid_status(pid_file.pid, &layout.data()) {
        PidStatus::Ours => ServerState::Running(pid_file),
        PidStatus::Dead | PidStatus::Foreign => ServerState::Stale(Some(pid_file)),
    })
}

/// Removes a stale pid file and socket lock files, once nothing runs in the
/// data directory.
///
/// PostgreSQL clears a stale pid file itself, except when the pid is alive
/// again (reused, or a zombie), so dwh removes it. Not before the children
/// of a killed server have exited, though: the pid file is what stops a new
/// server from sharing the data directory with them.
pub(crate) async fn clear_stale(layout: &Layout) -> Result<(), LocalError> {
    let data = layout.data();
    let deadline = Instant::now() + ORPHAN_WAIT;
    loop {
        let pids = processes_in(&data);
        if pids.is_empty() {
            break;
        }
        if Instant::now() > deadline {
            return Err(LocalError::OldServerRunning {
                data_dir: data,
                pids,
            });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    remove_if_present(&layout.pid_file())?;
    match layout.socket_dir() {
        Some(socket_dir) => clear_socket_dir(&socket_dir),
        None => Ok(()),
    }
}

/// Removes the sockets and socket lock files of a dead server: the lock
/// files name its pid, which PostgreSQL too takes for alive if it is a
/// zombie. The socket directory is private, so all in it is left over.
fn clear_socket_dir(socket_dir: &Path) -> Result<(), LocalError> {
    let entries = match std::fs::read_dir(socket_dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(LocalError::io("list", socket_dir)(e)),
    };
    for entry in entries {
        let entry = entry.map_err(LocalError::io("list", socket_dir))?;
        if entry.file_name().to_string_lossy().starts_with(".s.PGSQL.") {
            remove_if_present(&entry.path())?;
        }
    }
    Ok(())
}

fn remove_if_present(path: &Path) -> Result<(), LocalError> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != ErrorKind::NotFound => Err(LocalError::io("remove", path)(e)),
        _ => Ok(()),
    }
}

pub(crate) async fn initdb(
    binaries: &PgBinaries,
    layout: &Layout,
    run_as: &RunAs,
) -> Result<(), LocalError> {
    let mut args = os_args(&["-D"]);
    args.push(layout.data().into());
    // Trust authentication: the server listens only on 127.0.0.1 and in a
    // private socket directory. No sync: see `server_options`.
    args.extend(os_args(&[
        "-A",
        "trust",
        "-U",
        SUPERUSER,
        "-E",
        "UTF8",
        "--no-locale",
        "--no-sync",
    ]));
    run(run_as, &binaries.initdb(), &args, layout.dir()).await
}

/// Refuses to start binaries of another major version than the cluster's,
/// which PostgreSQL would refuse less helpfully.
pub(crate) async fn check_version(
    binaries: &PgBinaries,
    layout: &Layout,
) -> Result<(), LocalError> {
    let path = layout.version_file();
    let data_version = std::fs::read_to_string(&path).map_err(LocalError::io("read", &path))?;
    let data_version = data_version.trim();
    let output = tokio::process::Command::new(binaries.postgres())
        .arg("--version")
        .output()
        .await
        .map_err(LocalError::io("run", binaries.postgres()))?;
    let Some(bin_version) = major_version(&String::from_utf8_lossy(&output.stdout)) else {
        return Ok(()); // unknown format: let PostgreSQL judge
    };
    if bin_version == data_version {
        return Ok(());
    }
    Err(LocalError::VersionMismatch {
        data_dir: layout.data(),
        data_version: data_version.to_owned(),
        bindir: binaries.bindir().to_owned(),
        bin_version,
    })
}

/// `postgres (PostgreSQL) 15.13 (Debian ...)` → `15`; `... 9.6.24` → `9.6`,
/// as written in `PG_VERSION`.
fn major_version(version_output: &str) -> Option<String> {
    let version = version_output
        .split(')')
        .nth(1)?
        .split_whitespace()
        .next()?;
    let mut parts = version.split('.');
    let leading_number = |part: &str| -> Option<u32> {
        let digits: String = part.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok()
    };
    let major = leading_number(parts.next()?)?;
    if major >= 10 {
        Some(major.to_string())
    } else {
        Some(format!("{major}.{}", leading_number(parts.next()?)?))
    }
}

/// Starts the server on `preferred_port` if free, else on any free port,
/// and returns the port.
pub(crate) async fn start(
    binaries: &PgBinaries,
    layout: &Layout,
    run_as: &RunAs,
    preferred_port: Option<u16>,
) -> Result<u16, LocalError> {
    let log = layout.log();
    let mut preferred_port = preferred_port;
    let mut last_failure = String::new();
    for _ in 0..START_ATTEMPTS {
        let port = pick_port(preferred_port.take())?;
        let log_start = std::fs::metadata(&log).map_or(0, |m| m.len());
        let failure = match pg_ctl_start(binaries, layout, run_as, port).await {
            Ok(()) => return Ok(port),
            Err(failure) => failure.to_string(),
        };
        // Checking a port and binding it are not atomic, and the children
        // of a killed server may still hold its shared memory: both pass.
        match classify_start_failure(&read_from(&log, log_start)) {
            Some(Retry::PortTaken) => tracing::info!(port, "port taken; trying another"),
            Some(Retry::OldServerExiting) => tokio::time::sleep(Duration::from_secs(1)).await,
            None => return Err(start_failed(layout, failure)),
        }
        last_failure = failure;
    }
    Err(start_failed(
        layout,
        format!("gave up after {START_ATTEMPTS} attempts; the last one said: {last_failure}"),
    ))
}

async fn pg_ctl_start(
    binaries: &PgBinaries,
    layout: &Layout,
    run_as: &RunAs,
    port: u16,
) -> Result<(), LocalError> {
    let mut args = os_args(&["start", "-D"]);
    args.push(layout.data().into());
    args.push("-l".into());
    args.push(layout.log().into());
    args.extend(os_args(&[
        "-w",
        "-t",
        &PG_CTL_TIMEOUT_SECS.to_string(),
        "-o",
    ]));
    args.push(server_options(port, layout.socket_dir().as_deref()));
    run(run_as, &binaries.pg_ctl(), &args, layout.dir()).await
}

/// The postgres command-line options, which `pg_ctl` passes through
/// `/bin/sh` (hence the quoting).
fn server_options(port: u16, socket_dir: Option<&Path>) -> OsString {
    let mut options = OsString::from(format!("-p {port} -k "));
    options.push(sh_quote(socket_dir.map_or("".as_ref(), Path::as_os_str)));
    // Durability off: this engine holds development and test data that can
    // be rebuilt, and loads run several times faster without syncing. A
    // crash of the server loses the commits of its last fraction of a
    // second; a crash of the machine can corrupt the cluster (remove the
    // engine directory to start over).
    //
    // Minimal WAL: a table created or emptied (TRUNCATE) in the writing
    // transaction is not WAL-logged, its files are written out at commit
    // instead. Staging loads are exactly that, so their COPY writes no WAL:
    // the logged-table way to load as fast as into an UNLOGGED one, which
    // the engine avoids (see `sql::create_table`). On 2 cores the WAL
    // writer otherwise competes with the JSON parser: staging loads run
    // about 20% faster (benches/e2e). No replication from a dev engine, so
    // no WAL senders.
    //
    // No JIT: it compiled each large load and check for about 0.5 s in
    // dwh-bench's 1M plans, and every statement runs once, so the
    // compilation is never repaid.
    //
    // A run's TRUNCATE of staging waits for the autovacuum the last run's
    // load started on it, until the deadlock check cancels the autovacuum:
    // after `deadlock_timeout`, 1 s by default, a tenth of it here.
    options.push(
        " -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off \
         -c full_page_writes=off -c wal_level=minimal -c max_wal_senders=0 \
         -c jit=off -c deadlock_timeout=100ms -c lc_messages=C",
    );
    options
}

pub(crate) async fn stop(
    binaries: &PgBinaries,
    layout: &Layout,
    run_as: &RunAs,
) -> Result<(), LocalError> {
    let mut args = os_args(&["stop", "-D"]);
    args.push(layout.data().into());
    args.extend(os_args(&[
        "-m",
        "fast",
        "-w",
        "-t",
        &PG_CTL_TIMEOUT_SECS.to_string(),
    ]));
    run(run_as, &binaries.pg_ctl(), &args, layout.dir()).await
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Retry {
    PortTaken,
    OldServerExiting,
}

/// Whether the log of a failed start shows a passing problem.
fn classify_start_failure(log: &str) -> Option<Retry> {
    if log.contains("Address already in use") || log.contains("could not create any TCP/IP sockets")
    {
        Some(Retry::PortTaken)
    } else if log.contains("pre-existing shared memory block") {
        Some(Retry::OldServerExiting)
    } else {
        None
    }
}

/// `preferred` if it can be bound, else a port the kernel picks.
fn pick_port(preferred: Option<u16>) -> Result<u16, LocalError> {
    if let Some(port) = preferred {
        if TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_ok() {
            return Ok(port);
        }
    }
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .map_err(LocalError::io("find a free port on", "127.0.0.1"))
}

/// Runs `program args...` as the server user in `dir`; an error carries
/// the command and everything it printed.
async fn run(
    run_as: &RunAs,
    program: &Path,
    args: &[OsString],
    dir: &Path,
) -> Result<(), LocalError> {
    let output = run_as
        .command(program, args)
        .current_dir(dir)
        // English messages, which `classify_start_failure` reads.
        .env("LC_ALL", "C")
        .output()
        .await
        .map_err(LocalError::io("run", program))?;
    if output.status.success() {
        return Ok(());
    }
    let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&output.stderr));
    Err(LocalError::Command {
        command: run_as.describe(program, args),
        status: output.status.to_string(),
        output: text.trim_end().to_owned(),
    })
}

fn os_args(args: &[&str]) -> Vec<OsString> {
    args.iter().map(OsString::from).collect()
}

fn start_failed(layout: &Layout, reason: String) -> LocalError {
    LocalError::StartFailed {
        dir: layout.dir().to_owned(),
        log: layout.log(),
        reason,
        log_tail: log_tail(&layout.log()),
    }
}

/// The last lines of the server log, for error messages.
pub(crate) fn log_tail(log: &Path) -> String {
    const TAIL_BYTES: u64 = 16 * 1024;
    let len = std::fs::metadata(log).map_or(0, |m| m.len());
    let text = read_from(log, len.saturating_sub(TAIL_BYTES));
    if text.is_empty() {
        return format!("({} is empty or missing)", log.display());
    }
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(LOG_TAIL_LINES)..].join("\n")
}

/// The file from byte `offset` on; empty if it cannot be read.
fn read_from(path: &Path, offset: u64) -> String {
    let mut bytes = Vec::new();
    let read = std::fs::File::open(path).and_then(|mut file| {
        file.seek(SeekFrom::Start(offset))?;
        file.read_to_end(&mut bytes)
    });
    match read {
        Ok(_) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::local::test_support::TempDir;

    #[test]
    fn pid_files_parse() {
        let text =
            "4242\n/tmp/x/data\n1700000000\n54321\n/tmp/x/sock\n127.0.0.1\n  1  2\nready   \n";
        assert_eq!(
            PidFile::parse(text),
            Some(PidFile {
                pid: 4242,
                port: 54321
            })
        );
        // Written line by line at startup: a partial file is unreadable.
        assert_eq!(PidFile::parse("4242\n/tmp/x/data\n"), None);
        assert_eq!(PidFile::parse(""), None);
    }

    #[test]
    fn major_versions_match_pg_version_files() {
        let v = |s| major_version(s);
        assert_eq!(
            v("postgres (PostgreSQL) 15.13 (Debian 15.13-1.pgdg120+1)\n").as_deref(),
            Some("15")
        );
        assert_eq!(v("postgres (PostgreSQL) 9.6.24\n").as_deref(), Some("9.6"));
        assert_eq!(v("postgres (PostgreSQL) 17beta1\n").as_deref(), Some("17"));
        assert_eq!(v("something else"), None);
    }

    #[test]
    fn start_failures_are_classified_from_the_log() {
        let port = "LOG:  could not bind IPv4 address \"127.0.0.1\": Address already in use\n\
                    FATAL:  could not create any TCP/IP sockets";
        assert_eq!(classify_start_failure(port), Some(Retry::PortTaken));
        let shmem = "FATAL:  pre-existing shared memory block (key 1, ID 2) is still in use";
        assert_eq!(classify_start_failure(shmem), Some(Retry::OldServerExiting));
        assert_eq!(
            classify_start_failure("FATAL:  data directory has invalid permissions"),
            None
        );
    }

    #[test]
    fn server_options_quote_the_socket_dir() {
        let options = server_options(5433, Some(Path::new("/tmp/it's here/sock")));
        let options = options.to_str().unwrap();
        assert!(
            options.starts_with("-p 5433 -k '/tmp/it'\\''s here/sock' "),
            "{options}"
        );
        assert!(options.contains("-c fsync=off"), "{options}");
        assert!(options.contains("-c wal_level=minimal"), "{options}");
        let tcp_only = server_options(5433, None);
        assert!(tcp_only.to_str().unwrap().starts_with("-p 5433 -k '' "));
    }

    #[test]
    fn a_free_preferred_port_is_kept_and_a_taken_one_replaced() {
        let taken = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let taken_port = taken.local_addr().unwrap().port();
        assert_ne!(pick_port(Some(taken_port)).unwrap(), taken_port);
        drop(taken);
        assert_eq!(pick_port(Some(taken_port)).unwrap(), taken_port);
    }

    #[test]
    fn log_tails_keep_the_last_lines() {
        let tmp = TempDir::new("server-log");
        let log = tmp.join("server.log");
        assert!(log_tail(&log).contains("empty or missing"));
        let text: String = (1..=100).map(|i| format!("line {i}\n")).collect();
        std::fs::write(&log, text).unwrap();
        let tail = log_tail(&log);
        assert!(tail.starts_with("line 71\n"), "{tail}");
        assert!(tail.ends_with("line 100"), "{tail}");
    }
}
