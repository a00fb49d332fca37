//! `dwh new PATH`: the project it writes, built and run as a user would
//! (`cargo run -- all`) against the test engine, with the row counts its
//! own data implies; and what it refuses before writing anything.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

/// The files `dwh new` writes, besides the pins copied from the checkout.
const FILES: [&str; 7] = [
    "Cargo.toml",
    "src/lib.rs",
    "src/main.rs",
    "README.md",
    ".gitignore",
    "data/orders/2026-03.json",
    "data/orders/2026-04.json",
];

/// `target/` of this build: the scaffolded project builds into it too, so
/// the crates the workspace already built are reused.
fn target_dir() -> PathBuf {
    let exe = Path::new(env!("CARGO_BIN_EXE_dwh"));
    exe.parent()
        .and_then(Path::parent)
        .expect("the dwh binary lives in target/<profile>/")
        .to_owned()
}

/// `dwh new` into a fresh scratch folder; the project's directory.
fn scaffold(scratch: &str) -> PathBuf {
    let project = dwh_tests::scratch(scratch).join("my-shop");
    dwh_run(["new".as_ref(), project.as_os_str()]).assert_success("dwh new");
    project
}

/// Rows each table must hold after `dwh all` on `data`, worked out from
/// the JSON itself: every line is staged; `customers` and `orders` keep
/// one row per customer id and per order id.
fn expected_counts(data: &Path) -> BTreeMap<String, u64> {
    let lines = dwh_tests::json_objects(data);
    let distinct = |key: &str| {
        let keys: BTreeSet<String> = lines.iter().map(|l| l[key].to_string()).collect();
        keys.len() as u64
    };
    BTreeMap::from([
        ("staging_orders".to_owned(), lines.len() as u64),
        ("customers".to_owned(), distinct("customer_id")),
        ("orders".to_owned(), distinct("order_id")),
    ])
}

#[test]
fn new_writes_a_project_on_this_checkout() {
    let project = scaffold("new_files");
    for file in FILES.iter().chain(&["Cargo.lock", "rust-toolchain.toml"]) {
        assert!(project.join(file).is_file(), "{file} missing");
    }
    let read = |file: &str| std::fs::read_to_string(project.join(file)).unwrap();
    let manifest: toml::Table = read("Cargo.toml").parse().expect("Cargo.toml is TOML");
    assert_eq!(manifest["package"]["name"].as_str(), Some("my-shop"));
    let workspace = dwh_tests::workspace();
    for krate in ["dwh-core", "dwh-cli"] {
        let path = manifest["dependencies"][krate]["path"].as_str().unwrap();
        assert_eq!(Path::new(path), workspace.join(krate), "{krate}");
    }
    assert!(read("src/main.rs").contains("dwh_cli::main(my_shop::project())"));
    assert!(read("src/lib.rs").contains("Project::new(\"my-shop\", schema())"));
    assert_eq!(
        read("Cargo.lock"),
        std::fs::read_to_string(workspace.join("Cargo.lock")).unwrap()
    );
    // The sample shows de-duplication: an order sent twice.
    let counts = expected_counts(&project.join("data"));
    assert!(counts["orders"] < counts["staging_orders"], "{counts:?}");
    assert!(
        counts["staging_orders"] >= 24,
        "a few dozen lines: {counts:?}"
    );
}

/// `cargo run -- ARGS` in `project`, built into this build's target
/// directory; its stdout. Panics, with both streams, when it fails.
fn cargo_run(project: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO"))
        .args(["run", "--quiet", "--"])
        .args(args)
        .current_dir(project)
        .env("CARGO_TARGET_DIR", target_dir())
        .env("NO_COLOR", "1")
        .env_remove("DWH_DATABASE_URL")
        .env_remove("DWH_LOCAL_DIR")
        .output()
        .expect("run cargo");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "cargo run -- {args:?} failed ({:?}):\n{stdout}{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// The project's dependency tree (`cargo tree`, resolved from its lock
/// file, nothing built): each package's name.
fn dependency_names(project: &Path) -> BTreeSet<String> {
    let out = Command::new(env!("CARGO"))
        .args(["tree", "--offline", "--prefix", "none", "--format", "{p}"])
        .current_dir(project)
        .output()
        .expect("run cargo tree");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let names = text.lines().filter_map(|l| l.split_whitespace().next());
    names.map(str::to_owned).collect()
}

/// Turns the Redshift target off the way the project's Cargo.toml says.
fn without_redshift(project: &Path) {
    let manifest = project.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let on = "features = [\"redshift\", \"download-postgres\"] }";
    let off = "features = [\"download-postgres\"] }";
    let says_how = text.contains("Without it (`features = [\"download-postgres\"]`)");
    assert!(says_how && text.contains(on), "{text}");
    std::fs::write(&manifest, text.replace(on, off)).unwrap();
}

/// As written, the project has the Redshift target (the AWS SDK) and never
/// dwh's own example; with it turned off, no AWS crate at all.
#[test]
fn the_redshift_target_is_a_feature_the_project_can_turn_off() {
    let project = scaffold("new_features");
    let on = dependency_names(&project);
    assert!(
        on.contains("aws-sdk-s3") && on.contains("aws-sdk-redshift"),
        "{on:?}"
    );
    without_redshift(&project);
    let off = dependency_names(&project);
    assert!(
        off.contains("dwh-cli") && off.contains("tokio-postgres"),
        "{off:?}"
    );
    for tree in [&on, &off] {
        let example: Vec<&String> = tree
            .iter()
            .filter(|n| n.as_str() == "sparkify" || n.as_str() == "plotters")
            .collect();
        assert!(
            example.is_empty(),
            "dwh's example in the project: {example:?}"
        );
    }
    let aws: Vec<&String> = off.iter().filter(|n| n.starts_with("aws-")).collect();
    assert!(aws.is_empty(), "AWS crates without the feature: {aws:?}");
}

/// Built without the Redshift target (the quick build), the project runs
/// the whole pipeline locally; an AWS command says what it needs.
#[tokio::test]
async fn the_new_project_builds_and_runs_all() {
    let project = scaffold("new_run");
    without_redshift(&project);
    let refused = Command::new(env!("CARGO"))
        .args(["run", "--quiet", "--", "provision"])
        .current_dir(&project)
        .env("CARGO_TARGET_DIR", target_dir())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("features = [\"redshift\"]"), "{stderr}");
    let url = fresh_db("cli_new_project").await;
    let report = project.join("run.json");
    let report_arg = report.display().to_string();
    cargo_run(
        &project,
        &["all", "--database-url", &url, "--report", &report_arg],
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).expect("report written")).unwrap();
    let tables: BTreeMap<String, u64> = serde_json::from_value(report["tables"].clone()).unwrap();
    assert_eq!(tables, expected_counts(&project.join("data")));
    assert_eq!(report["status"], "ok", "{report:#}");
    for analysis in ["revenue_by_city", "top_products"] {
        let rows = report["analysis"][analysis].as_array();
        assert!(
            rows.is_some_and(|r| !r.is_empty()),
            "{analysis}: {report:#}"
        );
    }
    // The physical design the template declares reaches the Redshift DDL.
    let ddl = cargo_run(&project, &["ddl"]);
    for part in [
        "DISTSTYLE EVEN",
        "DISTSTYLE ALL",
        "DISTKEY (\"customer_id\")",
        "SORTKEY (\"ordered_at\")",
        "\"ordered_at\" TIMESTAMP NOT NULL ENCODE RAW",
    ] {
        assert!(ddl.contains(part), "{part} missing:\n{ddl}");
    }
}

#[test]
fn new_refuses_a_non_empty_folder_or_a_bad_name_before_writing() {
    let dir = dwh_tests::scratch("new_refusals");
    let taken = dir.join("taken");
    std::fs::create_dir(&taken).unwrap();
    std::fs::write(taken.join("notes.txt"), "mine").unwrap();
    let file = dir.join("a-file");
    std::fs::write(&file, "").unwrap();

    let cases: [(&[&str], &Path, &str); 4] = [
        (&[], &taken, "is not empty (it holds `notes.txt`)"),
        (&[], &file, "is a file, not a directory"),
        (&["--name", "My Shop"], &dir.join("shop"), "--name My Shop:"),
        (&[], &dir.join("2026"), "give a name with --name NAME"),
    ];
    for (extra, path, message) in cases {
        let mut args = vec!["new".to_owned(), path.display().to_string()];
        args.extend(extra.iter().map(|s| s.to_string()));
        let out = dwh_run(&args);
        assert_eq!(out.code, Some(1), "{args:?}: {}", out.all());
        out.assert_stderr_has(message);
    }
    let left: Vec<_> = std::fs::read_dir(&taken).unwrap().collect();
    assert_eq!(left.len(), 1, "dwh new wrote into a non-empty folder");
    assert!(!dir.join("shop").exists() && !dir.join("2026").exists());

    // An empty folder is fine.
    let empty = dir.join("empty");
    std::fs::create_dir(&empty).unwrap();
    dwh_run(["new", &empty.display().to_string(), "--name", "shop"])
        .assert_success("dwh new into an empty folder");
    assert!(FILES.iter().all(|f| empty.join(f).is_file()));
}
