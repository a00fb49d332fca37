//! Where dwh writes besides the warehouse: `--report`/`--charts` checked
//! before any work (never an error after the commit), and `dwh gen --out`
//! / `dwh docs --out` writing only into a new, empty or dwh-written folder
//! and removing only what dwh wrote there.

mod common;

use common::*;

/// `--report` into a missing folder, `--charts` under a file: refused
/// before anything is created or loaded, the folder named.
#[tokio::test]
async fn report_and_charts_paths_are_checked_before_any_work() {
    dwh_tests::require_sample!();
    let dir = dwh_tests::scratch("cli_output_paths");
    let file = dir.join("a-file");
    std::fs::write(&file, "").unwrap();
    let missing = dir.join("no-such-folder");
    let report = missing.join("run.json").display().to_string();
    let charts = file.join("charts").display().to_string();
    for (flag, path, says) in [
        ("--report", &report, "no such directory"),
        ("--charts", &charts, "is a file, not a directory"),
    ] {
        let url = fresh_db(&format!("cli_output_paths_{}", &flag[2..])).await;
        let out = dwh_run(all_args(&url, &sample(), &[flag, path]));
        assert_eq!(out.code, Some(1), "{flag}: {}", out.all());
        out.assert_stderr_has(says);
        out.assert_stderr_has(path);
        assert!(
            counts(&url).await.values().all(Option::is_none),
            "{flag}: nothing created before the refusal:\n{}",
            out.all()
        );
    }
    assert!(!missing.exists());
}

/// `dwh gen` again into its own folder replaces its own files only: what
/// the user added there, beside them or inside `log_data/`, stays.
#[test]
fn gen_again_keeps_the_files_the_user_added() {
    let dir = dwh_tests::scratch("cli_gen_owned");
    let dir_arg = dir.display().to_string();
    dwh_run(["gen", "--events", "500", "--out", &dir_arg]).assert_success("dwh gen");
    let added = [
        (dir.join("notes.txt"), "mine\n"),
        (dir.join("log_data/extra/README.txt"), "also mine\n"),
    ];
    for (path, text) in &added {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    dwh_run(["gen", "--size", "100", "--out", &dir_arg]).assert_success("dwh gen again");
    for (path, text) in &added {
        let kept = std::fs::read_to_string(path);
        assert_eq!(kept.ok().as_deref(), Some(*text), "{}", path.display());
    }
    // Nothing left of the earlier, larger set.
    assert_eq!(dwh_tests::json_objects(&dir.join("log_data")).len(), 100);

    // A fresh folder with the same arguments holds the same files, and
    // just the user's files besides.
    let fresh = dwh_tests::scratch("cli_gen_owned_fresh");
    dwh_run([
        "gen",
        "--size",
        "100",
        "--out",
        &fresh.display().to_string(),
    ])
    .assert_success("dwh gen into a new folder");
    let ours: Vec<_> = files_under(&dir)
        .into_iter()
        .filter(|(name, _)| !name.ends_with(".txt") && name != ".dwh-gen")
        .collect();
    let theirs: Vec<_> = files_under(&fresh)
        .into_iter()
        .filter(|(name, _)| name != ".dwh-gen")
        .collect();
    assert_eq!(ours, theirs);
}

/// `dwh docs --out` refuses another site's folder, and in its own folder
/// rewrites its pages but keeps a file the user added.
#[test]
fn docs_writes_only_into_its_own_folder() {
    let dir = dwh_tests::scratch("cli_docs_owned");
    let other = dir.join("other-site");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("index.html"), "<p>their site</p>").unwrap();
    std::fs::write(other.join("style.css"), "p {}").unwrap();
    let out = dwh_run(["docs", "--no-run", "--out", &other.display().to_string()]);
    assert_eq!(out.code, Some(1), "{}", out.all());
    out.assert_stderr_has(&other.display().to_string());
    out.assert_stderr_has("choose a new or empty folder");
    assert_eq!(
        std::fs::read_to_string(other.join("index.html")).unwrap(),
        "<p>their site</p>"
    );
    assert_eq!(files_under(&other).len(), 2, "nothing written");

    let site = dir.join("site");
    let site_arg = site.display().to_string();
    dwh_run(["docs", "--no-run", "--out", &site_arg]).assert_success("dwh docs");
    std::fs::write(site.join("index.html"), "stale").unwrap();
    std::fs::write(site.join("notes.html"), "mine").unwrap();
    dwh_run(["docs", "--no-run", "--out", &site_arg]).assert_success("dwh docs again");
    // Rewritten (not compared byte for byte: the diagram's layout is not
    // yet the same from run to run).
    let index = std::fs::read_to_string(site.join("index.html")).unwrap();
    assert!(index.starts_with("<!DOCTYPE html>"), "{index:.80}");
    assert_eq!(
        std::fs::read_to_string(site.join("notes.html")).unwrap(),
        "mine"
    );

    // A marker naming a file outside the folder deletes nothing there.
    let victim = dir.join("victim.txt");
    std::fs::write(&victim, "keep").unwrap();
    std::fs::write(
        site.join(".dwh-docs"),
        std::fs::read_to_string(site.join(".dwh-docs")).unwrap() + "../victim.txt\n",
    )
    .unwrap();
    let out = dwh_run(["docs", "--no-run", "--out", &site_arg]);
    assert_eq!(out.code, Some(1), "{}", out.all());
    out.assert_stderr_has("not a file inside it");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
}
