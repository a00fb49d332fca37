//! Support for the CLI tests: `dwh` run as a user runs it (the built
//! binary, its stdout and stderr), stopped at a chosen moment, and the
//! warehouse it wrote read back over SQL.

// Each test binary uses a different part of this module.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use dwh_core::local::{EngineState, LocalEngine};
use dwh_core::sql::Dialect;
use dwh_core::Warehouse;

/// The pause hook of dwh-core (see `dwh_core::load::testpoint`).
pub const PAUSE_AT: &str = "DWH_TEST_PAUSE_AT";
pub const PAUSE_SECS: &str = "DWH_TEST_PAUSE_SECS";

/// Longest a step of a test may take before the test gives up.
pub const PATIENCE: Duration = Duration::from_secs(90);

/// The tables of the Sparkify schema, staging first.
pub const TABLES: [&str; 7] = [
    "staging_events",
    "staging_songs",
    "users",
    "songs",
    "artists",
    "time",
    "songplays",
];

/// dwh's own tables a run writes beside the declared ones: the load
/// ledger and the songs' late arrivals.
pub const BOOKKEEPING: [&str; 2] = ["dwh_loaded_files", "dwh_unmatched_songplays"];

/// `dwh`, with none of the caller's dwh settings leaking in.
pub fn dwh() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_dwh"));
    for var in ["DWH_DATABASE_URL", "DWH_LOCAL_DIR", PAUSE_AT, PAUSE_SECS] {
        command.env_remove(var);
    }
    command.env("NO_COLOR", "1");
    command
}

/// A fresh, empty database on the shared test engine; its URL.
pub async fn fresh_db(name: &str) -> String {
    dwh_tests::engine()
        .await
        .create_database(name)
        .await
        .expect("create test database")
}

#[derive(Debug)]
pub struct Output {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }

    /// Both streams, for messages and greps.
    pub fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }

    #[track_caller]
    pub fn assert_success(&self, what: &str) {
        assert!(
            self.success(),
            "{what} failed ({:?}):\n{}",
            self.code,
            self.all()
        );
    }

    #[track_caller]
    pub fn assert_stderr_has(&self, part: &str) {
        assert!(
            self.stderr.contains(part),
            "{part:?} missing from stderr:\n{}",
            self.stderr
        );
    }
}

/// Runs `command` to the end (at most [`PATIENCE`]).
pub fn run(command: &mut Command) -> Output {
    Running::spawn(command).finish()
}

/// `dwh ARGS...` to the end.
pub fn dwh_run<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    run(dwh().args(args))
}

/// A `dwh` process whose output is collected as it comes.
pub struct Running {
    child: Child,
    stdout: Arc<Mutex<String>>,
    stderr: Arc<Mutex<String>>,
    readers: Vec<JoinHandle<()>>,
}

fn collect(mut stream: impl Read + Send + 'static, into: Arc<Mutex<String>>) -> JoinHandle<()> {
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = stream.read(&mut buf) {
            if n == 0 {
                break;
            }
            into.lock()
                .unwrap()
                .push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    })
}

impl Running {
    pub fn spawn(command: &mut Command) -> Running {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start dwh");
        let stdout = Arc::new(Mutex::new(String::new()));
        let stderr = Arc::new(Mutex::new(String::new()));
        let readers = vec![
            collect(child.stdout.take().unwrap(), Arc::clone(&stdout)),
            collect(child.stderr.take().unwrap(), Arc::clone(&stderr)),
        ];
        Running {
            child,
            stdout,
            stderr,
            readers,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// Waits until stderr contains `needle`; panics if dwh exits first.
    #[track_caller]
    pub fn wait_for(&mut self, needle: &str) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if self.stderr().contains(needle) {
                return;
            }
            if !self.is_running() || Instant::now() > deadline {
                self.child.kill().ok();
                let output = self.collect_output();
                panic!(
                    "dwh never printed {needle:?} ({:?}):\n{}",
                    output.code,
                    output.all()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGKILL: no handler, no cleanup, as a crash or the OOM killer.
    pub fn kill9(mut self) -> Output {
        self.child.kill().expect("SIGKILL dwh");
        self.collect_output()
    }

    /// SIGINT, as Ctrl-C in a terminal.
    pub fn interrupt(&self) {
        signal("-INT", self.pid() as i32);
    }

    /// Waits for the exit (at most [`PATIENCE`], then kills and panics).
    #[track_caller]
    pub fn finish(mut self) -> Output {
        let deadline = Instant::now() + PATIENCE;
        while self.is_running() {
            if Instant::now() > deadline {
                self.child.kill().ok();
                let output = self.collect_output();
                panic!("dwh did not exit in time:\n{}", output.all());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.collect_output()
    }

    fn collect_output(&mut self) -> Output {
        let status = self.child.wait().expect("wait for dwh");
        for reader in self.readers.drain(..) {
            reader.join().unwrap();
        }
        Output {
            code: status.code(),
            stdout: self.stdout.lock().unwrap().clone(),
            stderr: self.stderr.lock().unwrap().clone(),
        }
    }
}

pub fn signal(signal: &str, pid: i32) {
    let status = Command::new("kill")
        .args([signal, &pid.to_string()])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill {signal} {pid}");
}

/// One row of `query(table)` for every Sparkify table; `None` for a table
/// that does not exist.
async fn per_table(
    url: &str,
    query: impl Fn(&str) -> String,
) -> BTreeMap<&'static str, Option<tokio_postgres::Row>> {
    per_table_of(url, TABLES.iter(), query).await
}

async fn per_table_of(
    url: &str,
    tables: impl Iterator<Item = &&'static str>,
    query: impl Fn(&str) -> String,
) -> BTreeMap<&'static str, Option<tokio_postgres::Row>> {
    let warehouse = Warehouse::connect(url, Dialect::Postgres)
        .await
        .expect("connect to read the tables");
    let mut out = BTreeMap::new();
    for &table in tables {
        let exists: bool = warehouse
            .client()
            .query_one("SELECT to_regclass($1) IS NOT NULL", &[&table])
            .await
            .unwrap()
            .get(0);
        let row = if exists {
            Some(
                warehouse
                    .client()
                    .query_one(&query(table), &[])
                    .await
                    .unwrap(),
            )
        } else {
            None
        };
        out.insert(table, row);
    }
    out
}

/// Rows in every Sparkify table; `None` for a table that does not exist.
pub async fn counts(url: &str) -> BTreeMap<&'static str, Option<i64>> {
    per_table(url, |table| format!("SELECT count(*) FROM \"{table}\""))
        .await
        .into_iter()
        .map(|(table, row)| (table, row.map(|r| r.get(0))))
        .collect()
}

/// Current versions in the type-2 `users` table: one per user.
pub async fn current_users(url: &str) -> i64 {
    let warehouse = dwh_core::Warehouse::connect(url, dwh_core::sql::Dialect::Postgres)
        .await
        .unwrap();
    let sql = "SELECT COUNT(*) FROM users WHERE is_current";
    warehouse.client().query_one(sql, &[]).await.unwrap().get(0)
}

/// A fingerprint of every Sparkify table's contents: its row count and the
/// md5 of its rows as text, sorted. `None` for a table that does not exist.
/// Equal fingerprints mean equal tables, values and all, not only counts.
pub async fn fingerprints(url: &str) -> BTreeMap<&'static str, Option<(i64, String)>> {
    per_table_of(url, TABLES.iter().chain(&BOOKKEEPING), |table| {
        format!(
            "SELECT count(*), md5(coalesce(string_agg(r::text, E'\\n' ORDER BY r::text), '')) \
             FROM \"{table}\" AS r"
        )
    })
    .await
    .into_iter()
    .map(|(table, row)| (table, row.map(|r| (r.get(0), r.get(1)))))
    .collect()
}

/// What the full Sparkify sample builds: the facts its PROVENANCE.md
/// documents (8,056 events, 71 songs by 69 artists, 97 users, 6,820 plays
/// at 6,813 distinct times), not numbers taken from dwh.
pub fn sample_counts() -> BTreeMap<&'static str, Option<i64>> {
    TABLES
        .into_iter()
        // 106 users rows: 97 users, 8 of whom change level 9 times (history).
        .zip([8056, 71, 106, 71, 69, 6813, 6820])
        .map(|(t, n)| (t, Some(n)))
        .collect()
}

/// [`sample_counts`] after a last run that found no new file: staging
/// holds that run's batch, which is empty.
pub fn sample_counts_nothing_new() -> BTreeMap<&'static str, Option<i64>> {
    let mut counts = sample_counts();
    for (table, rows) in counts.iter_mut() {
        if table.starts_with("staging_") {
            *rows = Some(0);
        }
    }
    counts
}

/// The real sample data.
pub fn sample() -> PathBuf {
    dwh_tests::sample_data()
}

/// The first half of November of the sample, with all its songs: a run on
/// it, then on the whole sample, ends as a run on the whole sample does.
pub fn half_sample(name: &str) -> PathBuf {
    let sample = sample();
    let dir = dwh_tests::scratch(name);
    let logs = dir.join("log_data/2018/11");
    std::fs::create_dir_all(&logs).unwrap();
    for day in 1..=15 {
        let file = format!("2018-11-{day:02}-events.json");
        std::os::unix::fs::symlink(
            sample.join("log_data/2018/11").join(&file),
            logs.join(&file),
        )
        .unwrap();
    }
    std::os::unix::fs::symlink(sample.join("song_data"), dir.join("song_data")).unwrap();
    dir
}

/// A Sparkify data directory whose events are a case of the bad-input
/// corpus and whose songs are the sample's.
pub fn corpus_data(name: &str, case: &str) -> PathBuf {
    let dir = dwh_tests::scratch(name);
    let corpus = dwh_tests::workspace()
        .join("tests/bad_input/events")
        .join(case);
    assert!(corpus.is_dir(), "no corpus case {}", corpus.display());
    std::os::unix::fs::symlink(corpus, dir.join("log_data")).unwrap();
    std::os::unix::fs::symlink(sample().join("song_data"), dir.join("song_data")).unwrap();
    dir
}

/// `dwh all` on `data` against `url`, plus `extra` arguments.
pub fn all_args<'a>(url: &'a str, data: &'a Path, extra: &[&'a str]) -> Vec<String> {
    let mut args = vec![
        "all".to_owned(),
        "--database-url".to_owned(),
        url.to_owned(),
        "--data".to_owned(),
        data.display().to_string(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

/// An engine directory of this test; its server is stopped and its files
/// removed on drop, even when the test fails.
pub struct EngineDir {
    pub requested: PathBuf,
}

impl EngineDir {
    pub fn new(label: &str) -> EngineDir {
        let requested =
            std::env::temp_dir().join(format!("dwh-cli-{label}-{}", std::process::id()));
        let dir = EngineDir { requested };
        dir.cleanup();
        dir
    }

    pub fn arg(&self) -> String {
        self.requested.display().to_string()
    }

    fn cleanup(&self) {
        if let Ok(status) = LocalEngine::status(&self.requested) {
            if let EngineState::Running { pid } = status.state {
                signal("-QUIT", pid); // immediate shutdown
                wait_until(|| !self.running());
            }
            let _ = std::fs::remove_dir_all(&status.dir);
        }
        let _ = std::fs::remove_dir_all(&self.requested);
    }

    pub fn running(&self) -> bool {
        LocalEngine::status(&self.requested).is_ok_and(|s| s.is_running())
    }
}

impl Drop for EngineDir {
    fn drop(&mut self) {
        self.cleanup();
    }
}

pub fn wait_until(mut done: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + PATIENCE;
    while !done() {
        assert!(std::time::Instant::now() < deadline, "timed out");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// Every file under `dir`, relative, with its bytes.
pub fn files_under(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let name = path.strip_prefix(dir).unwrap().display().to_string();
                out.push((name, std::fs::read(&path).unwrap()));
            }
        }
    }
    out.sort();
    out
}
