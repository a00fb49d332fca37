//! A real AWS API emulator for the AWS tests: moto's server mode, installed
//! once into `target/moto-venv` (a lock file keeps parallel test processes
//! from installing it twice) and started per test on a free 127.0.0.1 port.
//! The `dwh` binary runs with `AWS_ENDPOINT_URL` pointing at it, fake
//! credentials, and every other AWS setting of the environment removed, so
//! no test can reach real AWS.

#![allow(dead_code)]

use std::fs::File;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use dwh_tests::python_tool::PythonTool;

pub const MOTO_VERSION: &str = "5.2.5";
pub const REGION: &str = "us-west-2";

/// The `dwh.toml` of the Sparkify tests: a two-node cluster and its bucket.
pub const CONFIG: &str = r#"
[aws]
region = "us-west-2"

[cluster]
identifier = "dwh-it"
node_type = "ra3.large"
nodes = 2

[s3]
bucket = "dwh-it-data"
prefix = "sparkify"
"#;

/// Creates `bucket` on the emulator, in the tests' region.
pub fn create_bucket(rt: &tokio::runtime::Runtime, s3: &aws_sdk_s3::Client, bucket: &str) {
    let in_region = aws_sdk_s3::types::CreateBucketConfiguration::builder()
        .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::UsWest2)
        .build();
    let create = s3.create_bucket().bucket(bucket);
    rt.block_on(create.create_bucket_configuration(in_region).send())
        .unwrap_or_else(|e| panic!("creating {bucket}: {e:?}"));
}

/// The variables that make the local engine at `pg` the cluster's SQL
/// endpoint (no emulator speaks Redshift SQL).
pub fn cluster_endpoint(pg: &tokio_postgres::Config) -> [(&'static str, String); 5] {
    [
        (
            "DWH_SQL_ENDPOINT",
            format!("127.0.0.1:{}", pg.get_ports()[0]),
        ),
        ("DWH_INSECURE_EMULATOR_TLS", "1".into()),
        ("DWH_DB_USER", pg.get_user().unwrap().into()),
        ("DWH_DB_NAME", pg.get_dbname().unwrap().into()),
        ("DWH_DB_PASSWORD", "not-checked-1".into()),
    ]
}

/// `vars` as `dwh_env` takes them.
pub fn env_refs<'a>(vars: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    vars.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// A runtime for the SDK clients a test inspects the emulator with.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Stops a local engine started by a test, even when the test fails.
pub struct LocalEngine<'a> {
    pub moto: &'a Moto,
    pub dir: &'a Path,
    pub engine: PathBuf,
}

impl Drop for LocalEngine<'_> {
    fn drop(&mut self) {
        let engine = self.engine.to_string_lossy().into_owned();
        let _ = self
            .moto
            .dwh(self.dir, &["local", "stop", "--local-dir", &engine]);
    }
}

/// `target/` of this build (the `dwh` binary is `target/<profile>/dwh`).
pub fn target_dir() -> PathBuf {
    let exe = Path::new(env!("CARGO_BIN_EXE_dwh"));
    exe.parent()
        .and_then(Path::parent)
        .expect("the dwh binary lives in target/<profile>/")
        .to_owned()
}

/// A fresh directory for one test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = target_dir()
        .join("dwh-test-scratch")
        .join(format!("aws-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Installs moto into `target/moto-venv` unless a previous run did.
fn ensure_installed() -> PathBuf {
    PythonTool {
        name: "moto-venv",
        requirement: &format!("moto[server]=={MOTO_VERSION}"),
    }
    .ensure_installed(&target_dir())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
}

/// A plain HTTP/1.0 request to the emulator; the status code and body.
pub fn http(port: u16, method: &str, path: &str) -> std::io::Result<(u16, String)> {
    http_body(port, method, path, "")
}

/// [`http`] with a request body.
pub fn http_body(
    port: u16,
    method: &str,
    path: &str,
    body: &str,
) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        stream,
        "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    Ok((status, body))
}

/// A running emulator, stopped when dropped.
pub struct Moto {
    child: Child,
    pub port: u16,
    pub url: String,
    /// The emulator's log, kept when a test fails.
    log: PathBuf,
}

impl Moto {
    pub fn start() -> Moto {
        let venv = ensure_installed();
        let port = free_port();
        let log_path = target_dir()
            .join("dwh-test-scratch")
            .join(format!("moto-{port}.log"));
        std::fs::create_dir_all(log_path.parent().unwrap()).unwrap();
        let log = File::create(&log_path).unwrap();
        let child = Command::new(venv.join("bin/moto_server"))
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            // Without it, attaching AWS-managed policies fails with NoSuchEntity.
            .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("starting moto_server");
        let mut moto = Moto {
            child,
            port,
            url: format!("http://127.0.0.1:{port}"),
            log: log_path,
        };
        let started = Instant::now();
        while !matches!(http(port, "GET", "/moto-api/"), Ok((200, _))) {
            if let Ok(Some(status)) = moto.child.try_wait() {
                panic!("moto_server exited ({status}); see {}", moto.log.display());
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "moto_server did not start in 60 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        moto
    }

    /// Clears all emulated state.
    pub fn reset(&self) {
        let (status, _) = http(self.port, "POST", "/moto-api/reset").unwrap();
        assert_eq!(status, 200);
    }

    /// From now on every request must be signed by an IAM identity the
    /// emulator knows, and is checked against its policies (moto evaluates
    /// actions and resources; of conditions, only StringEquals).
    pub fn enforce_iam(&self) {
        let (status, body) = http_body(self.port, "POST", "/moto-api/reset-auth", "0").unwrap();
        assert_eq!(status, 200, "{body}");
    }

    /// Runs `dwh` in `dir` against the emulator only.
    pub fn dwh(&self, dir: &Path, args: &[&str]) -> Run {
        self.dwh_env(dir, args, &[])
    }

    pub fn dwh_env(&self, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
        assert!(
            self.url.starts_with("http://127.0.0.1:"),
            "refusing to run: the AWS tests talk only to the emulator on 127.0.0.1, not {}",
            self.url
        );
        let mut command = Command::new(env!("CARGO_BIN_EXE_dwh"));
        command.current_dir(dir).args(args).stdin(Stdio::null());
        for (name, _) in std::env::vars_os() {
            let name = name.to_string_lossy();
            if name.starts_with("AWS_") || name.starts_with("DWH_") {
                command.env_remove(name.as_ref());
            }
        }
        command
            .env("AWS_ENDPOINT_URL", &self.url)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", REGION)
            .env("AWS_CONFIG_FILE", dir.join("no-aws-config"))
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                dir.join("no-aws-credentials"),
            )
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .envs(env.iter().copied());
        let output = command.output().expect("running dwh");
        Run::from(output, args)
    }

    fn sdk<C>(&self, build: impl FnOnce(aws_config::SdkConfig) -> C) -> C {
        let config = aws_config::SdkConfig::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new(REGION))
            .endpoint_url(&self.url)
            .credentials_provider(aws_sdk_iam::config::SharedCredentialsProvider::new(
                aws_sdk_iam::config::Credentials::new("testing", "testing", None, None, "tests"),
            ))
            .build();
        build(config)
    }

    /// SDK clients on the emulator, to check what dwh did through the
    /// emulator's own describe/list APIs.
    pub fn iam(&self) -> aws_sdk_iam::Client {
        self.sdk(|c| aws_sdk_iam::Client::new(&c))
    }

    pub fn redshift(&self) -> aws_sdk_redshift::Client {
        self.sdk(|c| aws_sdk_redshift::Client::new(&c))
    }

    pub fn ec2(&self) -> aws_sdk_ec2::Client {
        self.sdk(|c| aws_sdk_ec2::Client::new(&c))
    }

    pub fn s3(&self) -> aws_sdk_s3::Client {
        self.sdk(|c| {
            aws_sdk_s3::Client::from_conf(
                aws_sdk_s3::config::Builder::from(&c)
                    .force_path_style(true)
                    .build(),
            )
        })
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if !std::thread::panicking() {
            let _ = std::fs::remove_file(&self.log);
        }
    }
}

/// One `dwh` run.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    args: String,
}

impl Run {
    fn from(output: Output, args: &[&str]) -> Run {
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            args: args.join(" "),
        }
    }

    #[track_caller]
    pub fn ok(self) -> Run {
        assert_eq!(
            self.code, 0,
            "dwh {} failed:\n{}\n{}",
            self.args, self.stdout, self.stderr
        );
        self
    }

    #[track_caller]
    pub fn code(self, code: i32) -> Run {
        assert_eq!(
            self.code, code,
            "dwh {}:\n{}\n{}",
            self.args, self.stdout, self.stderr
        );
        self
    }

    /// stdout and stderr together.
    pub fn text(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

/// The inline policy `dwh-s3-read` that dwh puts on `role`, decoded.
pub async fn role_policy(iam: &aws_sdk_iam::Client, role: &str) -> String {
    let policy = iam
        .get_role_policy()
        .role_name(role)
        .policy_name("dwh-s3-read")
        .send()
        .await
        .unwrap();
    policy_document(policy.policy_document())
}

/// A policy document as IAM returns it: URL-encoded, or (moto) plain JSON.
pub fn policy_document(text: &str) -> String {
    if text.trim_start().starts_with('{') {
        return text.to_owned();
    }
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}
