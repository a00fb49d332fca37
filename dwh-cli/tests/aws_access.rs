//! AWS failures a user meets (no credentials, an expired SSO session, no
//! region, refused credentials, a missing permission, an unreachable
//! endpoint), each one clear line; and the data role's policy evaluated by
//! the emulator: it reads the prefix (data, manifests, jsonpaths) and
//! nothing else of the bucket.

mod aws_support;

use std::path::Path;
use std::process::Command;

use aws_support::{runtime, scratch, Moto, REGION};

const CONFIG: &str = "[aws]\nregion = \"us-west-2\"\n[cluster]\nidentifier = \"dwh-acc\"\n\
                      [s3]\nbucket = \"dwh-acc-data\"\nprefix = \"sparkify\"\n";

/// `dwh status` in `dir` with only `env` of AWS's settings; a dead
/// endpoint unless `env` names one, so nothing can reach real AWS.
fn status(dir: &Path, env: &[(&str, &str)]) -> (Option<i32>, String) {
    dwh_in(dir, &["status"], env)
}

fn dwh_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (Option<i32>, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_dwh"));
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if name.starts_with("AWS_") || name.starts_with("DWH_") || name == "RUST_LOG" {
            command.env_remove(name.as_ref());
        }
    }
    command
        .current_dir(dir)
        .args(args)
        .env("HOME", dir.join("home"))
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .env("AWS_CONFIG_FILE", dir.join("no-aws-config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            dir.join("no-aws-credentials"),
        )
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .envs(env.iter().copied());
    let output = command.output().unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// One `error:` line holding `expected`, and none of the SDK's noise.
#[track_caller]
fn assert_one_line(case: &str, (code, stderr): (Option<i32>, String), expected: &str) {
    assert_eq!(code, Some(1), "{case}: {stderr}");
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "{case}: {stderr}");
    assert!(errors[0].contains(expected), "{case}: {stderr}");
    for noise in [
        "WARN",
        "DispatchFailure",
        "caused by",
        "Response {",
        "\x1b[",
    ] {
        assert!(!stderr.contains(noise), "{case}: `{noise}` in\n{stderr}");
    }
}

const KEYS: [(&str, &str); 2] = [
    ("AWS_ACCESS_KEY_ID", "testing"),
    ("AWS_SECRET_ACCESS_KEY", "testing"),
];

#[test]
fn common_failures_are_one_clear_line_each() {
    let dir = scratch("failures");
    std::fs::write(dir.join("dwh.toml"), CONFIG).unwrap();

    assert_one_line(
        "no credentials",
        status(&dir, &[]),
        "no AWS credentials found",
    );
    // --debug shows what the SDK itself said.
    let (_, debug) = dwh_in(&dir, &["--debug", "status"], &[]);
    assert!(
        debug.contains("WARN") && debug.contains("aws_"),
        "the SDK's warnings with --debug:\n{debug}"
    );

    // An SSO profile whose cached token expired (what `aws sso login` left
    // a day ago); the cache file is named by the SHA-1 of the session name.
    std::fs::write(
        dir.join("sso-config"),
        "[profile dwh-test]\nsso_session = dwh-test-sso\nsso_account_id = 123456789012\n\
         sso_role_name = Admin\n\n[sso-session dwh-test-sso]\n\
         sso_start_url = https://example.awsapps.com/start\nsso_region = us-west-2\n",
    )
    .unwrap();
    let cache = dir.join("home/.aws/sso/cache");
    std::fs::create_dir_all(&cache).unwrap();
    std::fs::write(
        cache.join("ee8cb73f6bcef8cf5e43f328be337df277536dcf.json"),
        r#"{"accessToken":"expired","expiresAt":"2020-01-01T00:00:00Z","region":"us-west-2","startUrl":"https://example.awsapps.com/start"}"#,
    )
    .unwrap();
    let sso_config = dir.join("sso-config");
    assert_one_line(
        "expired SSO",
        status(
            &dir,
            &[
                ("AWS_CONFIG_FILE", sso_config.to_str().unwrap()),
                ("AWS_PROFILE", "dwh-test"),
            ],
        ),
        "your AWS SSO session has expired: run `aws sso login --profile dwh-test`",
    );

    let no_region = dir.join("no-region");
    std::fs::create_dir_all(&no_region).unwrap();
    std::fs::write(no_region.join("dwh.toml"), "[s3]\nbucket = \"b-1\"\n").unwrap();
    assert_one_line(
        "no region",
        status(&no_region, &KEYS),
        "no AWS region configured",
    );

    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let env = [KEYS[0], KEYS[1], ("AWS_ENDPOINT_URL", url.as_str())];
    assert_one_line(
        "unreachable",
        status(&dir, &env),
        &format!("cannot reach the AWS endpoint {url} (AWS_ENDPOINT_URL)"),
    );
}

#[test]
fn refused_credentials_and_missing_permissions_name_what_to_do() {
    let moto = Moto::start();
    let dir = scratch("denied");
    std::fs::write(dir.join("dwh.toml"), CONFIG).unwrap();
    let iam = moto.iam();
    let rt = runtime();
    let (key, secret) = rt.block_on(user_with_access_key(&iam, "nobody"));
    moto.enforce_iam();
    let env = [("AWS_ENDPOINT_URL", moto.url.as_str())];
    let unknown = [KEYS[0], KEYS[1], env[0]];
    assert_one_line(
        "unknown keys",
        status(&dir, &unknown),
        "AWS refused your credentials (",
    );
    let nobody = [
        ("AWS_ACCESS_KEY_ID", key.as_str()),
        ("AWS_SECRET_ACCESS_KEY", secret.as_str()),
        env[0],
    ];
    let (code, stderr) = status(&dir, &nobody);
    assert_one_line(
        "no permission",
        (code, stderr.clone()),
        "access denied: your AWS identity may not call ",
    );
    let action = stderr
        .split("may not call ")
        .nth(1)
        .and_then(|rest| rest.split(';').next())
        .unwrap_or_default();
    let (service, name) = action.split_once(':').unwrap_or_default();
    assert!(
        ["iam", "redshift", "ec2", "s3"].contains(&service) && !name.is_empty(),
        "the missing action is named: {stderr}"
    );
}

/// An S3 client on the emulator with `key`'s identity.
fn s3_as(moto: &Moto, key: &str, secret: &str) -> aws_sdk_s3::Client {
    let credentials = aws_sdk_s3::config::Credentials::new(key, secret, None, None, "probe");
    let config = aws_sdk_s3::config::Builder::new()
        .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
        .region(aws_sdk_s3::config::Region::new(REGION))
        .endpoint_url(&moto.url)
        .credentials_provider(credentials)
        .force_path_style(true)
        .build();
    aws_sdk_s3::Client::from_conf(config)
}

/// Keys of the bucket the role must not read, one sharing the prefix's
/// text.
const OUTSIDE_THE_PREFIX: [&str; 3] = [
    "other/secret.json",
    "sparkify-private/secret.json",
    "top.json",
];

/// The policy dwh writes on the role, given to a probe user (the emulator
/// does not let Redshift assume roles) and evaluated on every request.
#[test]
fn the_role_reads_its_prefix_and_nothing_else_of_the_bucket() {
    dwh_tests::require_sample!();
    let moto = Moto::start();
    let dir = scratch("policy");
    std::fs::write(dir.join("dwh.toml"), CONFIG).unwrap();
    let sample = dwh_tests::sample_dir();
    moto.dwh(&dir, &["provision"]).ok();
    moto.dwh(&dir, &["upload", "--data", sample.to_str().unwrap()])
        .ok();
    let rt = runtime();
    let (key, secret) = rt.block_on(async {
        put_objects_outside_the_prefix(&moto.s3()).await;
        create_probe_with_the_role_policy(&moto.iam()).await
    });
    moto.enforce_iam();
    let probe = s3_as(&moto, &key, &secret);
    rt.block_on(async {
        assert_probe_reads_what_copy_reads(&probe).await;
        assert_probe_reads_nothing_else_and_writes_nothing(&probe).await;
    });
}

/// Objects of the bucket outside the prefix, for the probe to be refused.
async fn put_objects_outside_the_prefix(s3: &aws_sdk_s3::Client) {
    for outside in OUTSIDE_THE_PREFIX {
        s3.put_object()
            .bucket("dwh-acc-data")
            .key(outside)
            .body(b"{}".to_vec().into())
            .send()
            .await
            .unwrap();
    }
}

/// A user holding the role's policy as its own; its access key and secret.
async fn create_probe_with_the_role_policy(iam: &aws_sdk_iam::Client) -> (String, String) {
    let document = aws_support::role_policy(iam, "dwh-sparkify-s3-read").await;
    let key = user_with_access_key(iam, "copy-probe").await;
    iam.put_user_policy()
        .user_name("copy-probe")
        .policy_name("as-the-role")
        .policy_document(document)
        .send()
        .await
        .unwrap();
    key
}

/// A new IAM user `name` and its access key: (key id, secret).
async fn user_with_access_key(iam: &aws_sdk_iam::Client, name: &str) -> (String, String) {
    iam.create_user().user_name(name).send().await.unwrap();
    let key = iam
        .create_access_key()
        .user_name(name)
        .send()
        .await
        .unwrap();
    let key = key.access_key().unwrap();
    (
        key.access_key_id().to_owned(),
        key.secret_access_key().to_owned(),
    )
}

/// What COPY reads: the data, the manifests and the jsonpaths; listing the
/// data and the bucket's location too.
async fn assert_probe_reads_what_copy_reads(probe: &aws_sdk_s3::Client) {
    for inside in [
        "sparkify/log_data/part-00000.json.gz",
        "sparkify/manifests/log_data.manifest",
        "sparkify/jsonpaths/staging_events.jsonpaths",
    ] {
        let got = probe
            .get_object()
            .bucket("dwh-acc-data")
            .key(inside)
            .send()
            .await;
        assert!(got.is_ok(), "{inside}: {got:?}");
    }
    let listed = probe
        .list_objects_v2()
        .bucket("dwh-acc-data")
        .prefix("sparkify/log_data/")
        .send()
        .await;
    assert!(listed.is_ok(), "{listed:?}");
    let location = probe
        .get_bucket_location()
        .bucket("dwh-acc-data")
        .send()
        .await;
    assert!(location.is_ok(), "{location:?}");
}

/// Anything else of the bucket, even a key sharing the prefix's text, is
/// denied, and so is any write.
async fn assert_probe_reads_nothing_else_and_writes_nothing(probe: &aws_sdk_s3::Client) {
    for outside in OUTSIDE_THE_PREFIX {
        let err = probe
            .get_object()
            .bucket("dwh-acc-data")
            .key(outside)
            .send()
            .await
            .unwrap_err();
        assert_eq!(code(&err).as_deref(), Some("AccessDenied"), "{outside}");
    }
    let write = probe
        .put_object()
        .bucket("dwh-acc-data")
        .key("sparkify/log_data/new.json")
        .body(b"{}".to_vec().into())
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&write).as_deref(), Some("AccessDenied"), "read-only");
}

fn code<E: aws_sdk_s3::error::ProvideErrorMetadata, R>(
    err: &aws_sdk_s3::error::SdkError<E, R>,
) -> Option<String> {
    match err {
        aws_sdk_s3::error::SdkError::ServiceError(e) => e.err().code().map(str::to_owned),
        _ => None,
    }
}
