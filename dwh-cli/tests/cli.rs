//! The offline commands as a user runs them (`ddl`, `gen`, `diagram`,
//! `analyze --charts`): what they print or write, and how they fail on a
//! closed pipe, a full disk, a wrong path or an out-of-range number.

mod common;

use std::process::Stdio;

use common::*;
use dwh_core::local::{EngineState, LocalEngine};

/// Every `CREATE TABLE` parses as SQL and each table appears once.
fn assert_ddl(sql: &str, dialect: &dyn sqlparser::dialect::Dialect) {
    let statements = sqlparser::parser::Parser::parse_sql(dialect, sql)
        .unwrap_or_else(|e| panic!("dwh ddl printed SQL that does not parse: {e}\n{sql}"));
    let mut created: Vec<String> = statements
        .iter()
        .filter_map(|s| match s {
            // Loads stage rows in temporary tables (type-2 history).
            sqlparser::ast::Statement::CreateTable(t) if !t.temporary => {
                Some(t.name.to_string().replace('"', ""))
            }
            _ => None,
        })
        .collect();
    created.sort();
    let mut expected = TABLES.to_vec();
    expected.sort();
    assert_eq!(created, expected, "{sql}");
}

#[test]
fn ddl_prints_each_dialect_and_the_jsonpaths() {
    let redshift = dwh_run(["ddl"]);
    redshift.assert_success("dwh ddl");
    assert!(
        redshift.stdout.contains("DISTSTYLE KEY"),
        "{}",
        redshift.stdout
    );
    // sqlparser does not know Redshift's table attributes (BACKUP, DISTSTYLE).
    for table in TABLES {
        let create = format!("CREATE TABLE IF NOT EXISTS \"{table}\" (");
        assert_eq!(redshift.stdout.matches(&create).count(), 1, "{table}");
    }

    let postgres = dwh_run(["ddl", "--dialect", "postgres", "--loads"]);
    postgres.assert_success("dwh ddl --dialect postgres --loads");
    // (The doc comments mention DISTSTYLE; the table attributes follow `)`.)
    assert!(
        !postgres.stdout.contains(")\nDISTSTYLE"),
        "{}",
        postgres.stdout
    );
    assert!(
        postgres.stdout.contains("INSERT INTO"),
        "{}",
        postgres.stdout
    );
    assert_ddl(&postgres.stdout, &sqlparser::dialect::PostgreSqlDialect {});
    // The structs' doc comments, as the warehouse's own comments.
    assert!(
        postgres
            .stdout
            .contains("COMMENT ON TABLE \"users\" IS 'App users"),
        "{}",
        postgres.stdout
    );

    let paths = dwh_run(["ddl", "--jsonpaths", "staging_events"]);
    paths.assert_success("dwh ddl --jsonpaths staging_events");
    let doc: serde_json::Value = serde_json::from_str(&paths.stdout).unwrap();
    assert!(doc["jsonpaths"].as_array().is_some_and(|a| a.len() > 10));

    let wrong = dwh_run(["ddl", "--jsonpaths", "users"]);
    assert_eq!(wrong.code, Some(1), "{}", wrong.all());
    wrong.assert_stderr_has("`users` is not a staging table");
}

/// A reader that went away (`dwh ddl | head -1`) ends dwh quietly, with
/// success, as `cat` or `grep` do: no panic, no message.
#[test]
fn a_closed_pipe_ends_the_output_quietly() {
    for args in [
        &["ddl", "--loads"][..],
        &["diagram", "--format", "dot"],
        &["diagram", "--format", "svg"],
    ] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader); // every write now fails with EPIPE
        let out = dwh()
            .args(args)
            .stdout(writer)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "dwh {args:?}: {stderr}");
        assert_eq!(stderr, "", "dwh {args:?} to a closed pipe");
    }
    // The same through a shell, as a user types it.
    let out = std::process::Command::new("bash")
        .args(["-c", "set -o pipefail; \"$DWH\" ddl --loads | head -1"])
        .env("DWH", env!("CARGO_BIN_EXE_dwh"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    assert_eq!(out.stdout.iter().filter(|&&b| b == b'\n').count(), 1);
}

/// Any other write error is an error: named, exit 1, never a panic.
#[test]
fn a_full_disk_is_reported() {
    let full = std::fs::File::options()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = dwh()
        .args(["ddl"])
        .stdout(full)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("cannot write to standard output"),
        "{stderr}"
    );
    assert!(stderr.contains("No space left on device"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

fn assert_svg(svg: &str, what: &str) {
    let doc = roxmltree::Document::parse_with_options(
        svg,
        roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        },
    )
    .unwrap_or_else(|e| panic!("{what} is not well-formed SVG: {e}\n{svg}"));
    assert_eq!(doc.root_element().tag_name().name(), "svg", "{what}");
    for table in TABLES {
        assert!(svg.contains(table), "{what} draws `{table}`");
    }
}

#[test]
fn diagram_prints_each_format() {
    let mermaid = dwh_run(["diagram"]);
    mermaid.assert_success("dwh diagram");
    assert!(
        mermaid.stdout.starts_with("erDiagram"),
        "{}",
        mermaid.stdout
    );

    let dot = dwh_run(["diagram", "--format", "dot"]);
    dot.assert_success("dwh diagram --format dot");
    assert!(dot.stdout.starts_with("digraph"), "{}", dot.stdout);

    // No system tool needed: the SVG is drawn by dwh itself.
    let svg = run(dwh().args(["diagram", "--format", "svg"]).env("PATH", ""));
    svg.assert_success("dwh diagram --format svg without Graphviz");
    assert_svg(&svg.stdout, "dwh diagram --format svg");

    let all = dwh_run(["diagram", "--format", "all"]);
    assert_eq!(all.code, Some(1), "{}", all.all());
    all.assert_stderr_has("give --out DIR");
}

#[test]
fn diagram_out_writes_every_format() {
    let dir = dwh_tests::scratch("cli_diagram_out").join("diagrams");
    let out = run(dwh().args(["diagram", "--out"]).arg(&dir).env("PATH", ""));
    out.assert_success("dwh diagram --out");
    let read = |ext: &str| std::fs::read_to_string(dir.join(format!("star-schema.{ext}"))).unwrap();
    assert!(read("mmd").starts_with("erDiagram"));
    assert!(read("dot").starts_with("digraph"));
    assert_svg(&read("svg"), "star-schema.svg");

    for format in ["mermaid", "dot", "svg"] {
        let only = dwh_tests::scratch(&format!("cli_diagram_only_{format}"));
        dwh_run([
            "diagram",
            "--format",
            format,
            "--out",
            &only.display().to_string(),
        ])
        .assert_success(format);
        assert_eq!(std::fs::read_dir(&only).unwrap().count(), 1, "{format}");
    }
}

/// `dwh docs` writes the site (with the run page when given a report) and
/// checks its paths and report before writing anything.
#[test]
fn docs_writes_the_site_and_checks_its_arguments() {
    let dir = dwh_tests::scratch("cli_docs");
    let site = dir.join("site");
    let report = dir.join("report.json");
    std::fs::write(&report, r#"{"status": "ok", "tables": {"users": 96}}"#).unwrap();
    let out = run(dwh()
        .args(["docs", "--open", "--out"])
        .arg(&site)
        .arg("--report")
        .arg(&report)
        .env("PATH", ""));
    out.assert_success("dwh docs --open without an opener");
    assert!(out.stdout.contains("index.html"), "{}", out.all());
    for table in TABLES {
        assert!(
            site.join(format!("tables/{table}.html")).is_file(),
            "{table}"
        );
    }
    let run_page = std::fs::read_to_string(site.join("run.html")).unwrap();
    assert!(run_page.contains("users"), "{run_page}");

    let fresh = dir.join("never-written");
    let site_arg = fresh.display().to_string();
    let missing = dir.join("missing.json").display().to_string();
    let out = dwh_run(["docs", "--out", &site_arg, "--report", &missing]);
    assert_eq!(out.code, Some(1), "{}", out.all());
    out.assert_stderr_has(&format!("--report {missing}: no such file"));
    let not_json = dir.join("not.json");
    std::fs::write(&not_json, "{").unwrap();
    let out = dwh_run([
        "docs",
        "--out",
        &site_arg,
        "--report",
        &not_json.display().to_string(),
    ]);
    assert_eq!(out.code, Some(1), "{}", out.all());
    out.assert_stderr_has("is not JSON");
    let out = dwh_run([
        "docs",
        "--out",
        &site_arg,
        "--target",
        "redshift",
        "--database-url",
        "postgresql://127.0.0.1:9/none",
    ]);
    assert_eq!(out.code, Some(1), "{}", out.all());
    out.assert_stderr_has("with --target redshift the last run is read from the cluster");
    assert!(
        !fresh.exists(),
        "nothing written before the arguments are checked"
    );
}

/// A path of the wrong type is named once, with what it is and what was
/// expected, before any work.
#[test]
fn a_path_of_the_wrong_type_is_named() {
    dwh_tests::require_sample!();
    let dir = dwh_tests::scratch("cli_wrong_paths");
    let file = dir.join("a-file");
    std::fs::write(&file, "not a directory").unwrap();
    let file_arg = file.display().to_string();

    for args in [
        vec!["diagram", "--out", &file_arg],
        vec!["docs", "--out", &file_arg],
        vec!["gen", "--events", "10", "--out", &file_arg],
        vec![
            "analyze",
            "--database-url",
            "postgresql://127.0.0.1:9/none",
            "--charts",
            &file_arg,
        ],
        vec![
            "load",
            "--database-url",
            "postgresql://127.0.0.1:9/none",
            "--data",
            &file_arg,
        ],
        vec![
            "upload",
            "--config",
            "/nonexistent/dwh.toml",
            "--data",
            &file_arg,
        ],
    ] {
        let out = dwh_run(&args);
        assert_eq!(out.code, Some(1), "{args:?}: {}", out.all());
        let message = format!("{} is a file, not a directory", file.display());
        assert_eq!(
            out.stderr.matches(&message).count(),
            1,
            "{args:?}: {}",
            out.stderr
        );
        assert!(!out.stderr.contains("os error"), "{args:?}: {}", out.stderr);
        assert!(!out.stderr.contains("connect"), "{args:?}: {}", out.stderr);
    }

    // The reverse: a directory where a file is written.
    let dir_arg = dir.display().to_string();
    let out = dwh_run([
        "load",
        "--database-url",
        "postgresql://127.0.0.1:9/none",
        "--data",
        &sample().display().to_string(),
        "--max-errors",
        "1",
        "--rejects",
        &dir_arg,
    ]);
    assert_eq!(out.code, Some(1), "{}", out.all());
    out.assert_stderr_has(&format!("{} is a directory, not a file", dir.display()));
}

#[test]
fn gen_writes_the_same_files_for_the_same_seed() {
    let dir = dwh_tests::scratch("cli_gen");
    let (a, b) = (dir.join("a"), dir.join("b"));
    for out in [&a, &b] {
        let output = dwh_run([
            "gen",
            "--events",
            "500",
            "--out",
            &out.display().to_string(),
        ]);
        output.assert_success("dwh gen");
        output.assert_stderr_has("log_data: 500 events");
    }
    let files = files_under(&a);
    assert!(files.iter().any(|(n, _)| n.starts_with("log_data/")));
    assert!(files.iter().any(|(n, _)| n.starts_with("song_data/")));
    assert_eq!(files, files_under(&b));
    let objects = dwh_tests::json_objects(&a.join("log_data"));
    assert_eq!(objects.len(), 500);

    // Its own folder again: replaced, with nothing left of the earlier set.
    let a_arg = a.display().to_string();
    dwh_run(["gen", "--size", "100", "--out", &a_arg])
        .assert_success("dwh gen again into its own folder");
    assert_eq!(dwh_tests::json_objects(&a.join("log_data")).len(), 100);
    // One song per 20 events, at least 50.
    assert_eq!(dwh_tests::json_objects(&a.join("song_data")).len(), 50);
}

/// A folder dwh did not write keeps every file unless `--force`.
#[test]
fn gen_refuses_a_folder_it_did_not_write() {
    let dir = dwh_tests::scratch("cli_gen_foreign");
    let logs = dir.join("log_data/2018/11");
    std::fs::create_dir_all(&logs).unwrap();
    let theirs = logs.join("2018-11-01-events.json");
    std::fs::write(&theirs, "{\"mine\": true}\n").unwrap();
    let dir_arg = dir.display().to_string();

    let out = dwh_run(["gen", "--events", "200", "--out", &dir_arg]);
    assert_eq!(out.code, Some(1), "{}", out.all());
    out.assert_stderr_has(&format!("{} is not empty", dir.display()));
    out.assert_stderr_has("--force");
    assert_eq!(files_under(&dir).len(), 1, "nothing written");
    assert_eq!(
        std::fs::read_to_string(&theirs).unwrap(),
        "{\"mine\": true}\n"
    );

    dwh_run(["gen", "--events", "200", "--out", &dir_arg, "--force"])
        .assert_success("dwh gen --force");
    assert!(files_under(&dir).len() > 1);
}

#[test]
fn gen_checks_its_numbers_before_writing() {
    let dir = dwh_tests::scratch("cli_gen_ranges");
    for (flag, value, max) in [
        ("--size", "18446744073709551615", "1000000000"),
        ("--events", "1000000001", "1000000000"),
    ] {
        let out = dwh_run([
            "gen",
            flag,
            value,
            "--out",
            &dir.join("x").display().to_string(),
        ]);
        assert_eq!(out.code, Some(1), "{flag} {value}: {}", out.all());
        assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
        out.assert_stderr_has(&format!("--size {value}"));
        out.assert_stderr_has(max);
        assert!(!dir.join("x").exists(), "{flag} {value} wrote nothing");
    }
    // `dwh all` generates when no --data is given: the same limit, up front.
    let out = dwh_run([
        "all",
        "--database-url",
        "postgresql://127.0.0.1:9/none",
        "--events",
        "18446744073709551615",
    ]);
    assert_eq!(out.code, Some(1), "{}", out.all());
    out.assert_stderr_has("--size 18446744073709551615: at most 1000000000 events");
    assert!(!out.stderr.contains("connect"), "{}", out.stderr);
}

/// `--rejects` means nothing without `--max-errors`: said before any work.
#[test]
fn rejects_without_max_errors_is_an_error() {
    dwh_tests::require_sample!();
    let out = dwh_run([
        "load",
        "--database-url",
        "postgresql://127.0.0.1:9/none",
        "--data",
        &sample().display().to_string(),
        "--rejects",
        "bad.jsonl",
    ]);
    assert_eq!(out.code, Some(1), "{}", out.all());
    out.assert_stderr_has("--rejects needs --max-errors N");
    assert!(!out.stderr.contains("connect"), "{}", out.stderr);

    // Nor does it mean anything on Redshift, which keeps its own list.
    let out = dwh_run([
        "all",
        "--target",
        "redshift",
        "--config",
        "/nonexistent/dwh.toml",
        "--max-errors",
        "3",
        "--rejects",
        "bad.jsonl",
    ]);
    assert_eq!(out.code, Some(1), "{}", out.all());
    out.assert_stderr_has("--rejects is for local loads");
    out.assert_stderr_has("STL_LOAD_ERRORS");
}

/// A clean run keeps a rejects file an earlier run wrote: it may be the
/// only copy of the records it skipped.
#[tokio::test]
async fn a_clean_run_keeps_an_earlier_rejects_file() {
    dwh_tests::require_sample!();
    let url = fresh_db("cli_rejects_kept").await;
    let dir = dwh_tests::scratch("cli_rejects_kept");
    let earlier = dir.join("rejects.staging_events.jsonl");
    std::fs::write(&earlier, "{\"earlier\": 1}\n").unwrap();
    let rejects = dir.join("rejects.jsonl").display().to_string();
    let sample = sample();
    let out = dwh_run(all_args(
        &url,
        &sample,
        &["--max-errors", "5", "--rejects", &rejects],
    ));
    out.assert_success("a clean run with --max-errors");
    assert_eq!(
        std::fs::read_to_string(&earlier).unwrap(),
        "{\"earlier\": 1}\n"
    );
}

/// Events written as one top-level JSON array: each element is a record
/// dwh skips (as Redshift's COPY would not load them either), counted as
/// such, and the message says how to make JSON lines of it.
#[tokio::test]
async fn a_json_array_counts_every_record_it_holds() {
    dwh_tests::require_sample!();
    let url = fresh_db("cli_json_array").await;
    let dir = dwh_tests::scratch("cli_json_array");
    std::fs::create_dir_all(dir.join("log_data")).unwrap();
    std::os::unix::fs::symlink(sample().join("song_data"), dir.join("song_data")).unwrap();
    let day =
        std::fs::read_to_string(sample().join("log_data/2018/11/2018-11-01-events.json")).unwrap();
    let events: Vec<&str> = day.lines().collect();
    let array = dir.join("log_data/array.json");
    std::fs::write(&array, format!("[\n{}\n]\n", events.join(",\n"))).unwrap();
    std::fs::write(dir.join("log_data/one.json"), format!("{}\n", events[0])).unwrap();
    let n = events.len();
    let rejects = dir.join("rejects.jsonl").display().to_string();

    let out = dwh_run(all_args(
        &url,
        &dir,
        &["--max-errors", "5", "--rejects", &rejects],
    ));
    assert_eq!(out.code, Some(1), "{}", out.all());
    out.assert_stderr_has(&format!("a top-level JSON array of {n} records"));
    out.assert_stderr_has("jq -c '.[]'");
    out.assert_stderr_has("more than 5 bad records");

    let many = (n + 5).to_string();
    let out = dwh_run(all_args(
        &url,
        &dir,
        &["--max-errors", &many, "--rejects", &rejects],
    ));
    out.assert_success("the run allowing every element");
    out.assert_stderr_has(&format!("{n} bad records skipped"));
    assert_eq!(counts(&url).await["staging_events"], Some(1));
}

#[tokio::test]
async fn analyze_draws_charts() {
    dwh_tests::require_sample!();
    let url = fresh_db("cli_charts").await;
    dwh_run(all_args(&url, &sample(), &[])).assert_success("dwh all");
    let dir = dwh_tests::scratch("cli_charts").join("charts");
    let out = dwh_run([
        "analyze",
        "--database-url",
        &url,
        "--charts",
        &dir.display().to_string(),
    ]);
    out.assert_success("dwh analyze --charts");
    // Its tables into a closed pipe, then a full disk: quiet, then named.
    let analyze = || {
        let mut command = dwh();
        command.args(["analyze", "--database-url", &url]);
        command
    };
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let closed = analyze()
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(closed.status.code(), Some(0), "{closed:?}");
    assert_eq!(String::from_utf8_lossy(&closed.stderr), "");
    let full = std::fs::File::options()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let full = analyze()
        .stdout(full)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&full.stderr);
    assert_eq!(full.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("cannot write to standard output"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");

    let charts: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(charts.len() >= 3, "{charts:?}");
    for chart in &charts {
        assert_eq!(chart.extension().unwrap(), "svg");
        out.assert_stderr_has(&format!("chart {}", chart.display()));
        let svg = std::fs::read_to_string(chart).unwrap();
        roxmltree::Document::parse(&svg)
            .unwrap_or_else(|e| panic!("{} is not well-formed: {e}", chart.display()));
        assert!(svg.contains("<rect"), "{} draws bars", chart.display());
    }
}

/// A usage error exits 1 like any error (2 means a failed check); help
/// and version succeed.
#[test]
fn usage_errors_exit_1_and_help_succeeds() {
    let bad = dwh_run(["ddl", "--no-such-flag"]);
    assert_eq!(bad.code, Some(1), "{}", bad.all());
    bad.assert_stderr_has("--no-such-flag");
    for args in [["--help"], ["--version"]] {
        let out = dwh_run(args);
        out.assert_success(args[0]);
        assert!(!out.stdout.is_empty());
    }
}

/// A malformed or public network is refused before dwh reads its AWS
/// configuration (here a file that does not exist) or resolves a region.
#[test]
fn open_port_checks_the_network_before_any_aws_work() {
    let missing = dwh_tests::scratch("cli_open_port").join("no-such-dwh.toml");
    for (cidr, says) in [
        ("10.0.0.0/33", "10.0.0.0/33"),
        ("0.0.0.0/0", "--allow-public"),
    ] {
        let out = dwh_run([
            "open-port",
            "--config",
            missing.to_str().unwrap(),
            "--cidr",
            cidr,
        ]);
        assert_eq!(out.code, Some(1), "{}", out.all());
        out.assert_stderr_has(says);
        let text = out.all();
        assert!(
            !text.contains("no-such-dwh.toml") && !text.contains("region"),
            "{text}"
        );
    }
}

/// Without `--report`, `dwh docs` reads the last run back from the local
/// engine, from whichever database ran last; an engine never set up is
/// not created for it, and the site then has no run page.
#[test]
fn docs_reads_the_last_run_from_the_database_that_ran_last() {
    dwh_tests::require_sample!();
    let engine = EngineDir::new("docs-last-run");
    let site = dwh_tests::scratch("cli_docs_last_run").join("site");
    let engine_arg = engine.arg();
    let site_arg = site.display().to_string();
    let docs = |extra: &[&str]| {
        let mut args = vec!["docs", "--local-dir", &engine_arg, "--out", &site_arg];
        args.extend(extra);
        let out = dwh_run(args);
        out.assert_success("dwh docs");
        out
    };

    let out = docs(&[]);
    out.assert_stderr_has("no run of `sparkify` is recorded in the warehouse");
    assert!(!site.join("run.html").exists());
    assert_eq!(
        LocalEngine::status(&engine.requested).unwrap().state,
        EngineState::NotInitialised,
        "docs does not set up an engine"
    );

    let sample = sample().display().to_string();
    dwh_run(["all", "--local-dir", &engine.arg(), "--data", &sample]).assert_success("all");
    docs(&[]);
    let page = std::fs::read_to_string(site.join("run.html")).unwrap();
    assert!(page.contains("Read from database `sparkify`"), "{page}");
    assert!(
        page.contains("<tr><td>data-quality checks</td><td><span class=\"ok\">ok</span></td>"),
        "{page}"
    );
    for (table, rows) in sample_counts() {
        let row = format!("<tr><td>{table}</td><td>{}</td></tr>", rows.unwrap());
        assert!(page.contains(&row), "{row} in {page}");
    }
    let charts: Vec<&str> = page
        .split("<img src=\"")
        .skip(1)
        .map(|rest| &rest[..rest.find('"').unwrap()])
        .collect();
    assert!(!charts.is_empty(), "Sparkify draws its charts: {page}");
    for chart in charts {
        assert!(site.join(chart).is_file(), "{chart}");
    }

    // A later run into the demo database is the last run now.
    let half = half_sample("cli_docs_last_run_half").display().to_string();
    dwh_run([
        "all",
        "--local-dir",
        &engine.arg(),
        "--demo",
        "--data",
        &half,
    ])
    .assert_success("all --demo");
    docs(&[]);
    let page = std::fs::read_to_string(site.join("run.html")).unwrap();
    assert!(
        page.contains("Read from database `sparkify_demo`"),
        "{page}"
    );

    std::fs::remove_dir_all(&site).unwrap();
    docs(&["--no-run"]);
    assert!(site.join("index.html").is_file() && !site.join("run.html").exists());
}

/// `dwh all` loads only new files and says so per staging table; a file
/// changed since it was loaded stops the run (exit 1, named, nothing
/// changed) until `--reload-changed` rebuilds from every file.
#[tokio::test]
async fn all_loads_new_files_only_and_refuses_a_changed_one() {
    dwh_tests::require_sample!();
    let url = fresh_db("cli_incremental").await;
    let half = half_sample("cli_incremental_half");
    dwh_run(all_args(&url, &half, &[])).assert_success("the first run");
    let again = dwh_run(all_args(&url, &half, &[]));
    again.assert_success("the re-run");
    again.assert_stderr_has("staging_events: no new files, 15 loaded before");
    again.assert_stderr_has("staging_songs: no new files, 71 loaded before");

    // The first day's file, edited in place (a copy replaces the symlink).
    let day = half.join("log_data/2018/11/2018-11-01-events.json");
    let text = std::fs::read_to_string(&day).unwrap();
    std::fs::remove_file(&day).unwrap();
    std::fs::write(
        &day,
        text.replace("\"level\":\"free\"", "\"level\":\"paid\""),
    )
    .unwrap();
    let before = fingerprints(&url).await;
    let refused = dwh_run(all_args(&url, &half, &[]));
    assert_eq!(refused.code, Some(1), "{}", refused.all());
    refused.assert_stderr_has("changed since dwh loaded it");
    refused.assert_stderr_has("2018-11-01-events.json");
    refused.assert_stderr_has("--reload-changed");
    assert_eq!(fingerprints(&url).await, before);

    let reloaded = dwh_run(all_args(&url, &half, &["--reload-changed"]));
    reloaded.assert_success("the run with --reload-changed");
    reloaded.assert_stderr_has("rebuilding the warehouse from every file");
    reloaded.assert_stderr_has("staging_events: 15 new files");
    assert_ne!(fingerprints(&url).await, before);
}
