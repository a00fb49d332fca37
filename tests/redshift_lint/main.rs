//! Redshift lint: every statement of a whole `dwh all --target redshift`
//! run, rendered by `dwh_core::sql::redshift_run`, in one snapshot; checked
//! by hand-written rules for what Redshift rejects and parsed by sqlfluff's
//! Redshift grammar. Nothing here runs on a cluster: no emulator runs
//! Redshift SQL, so the rules stand in for it.

mod migrate;
mod rules;
mod sqlfluff;

use dwh_core::checks::EXAMPLES;
use dwh_core::schema::TableKind;
use dwh_core::sql::ledger::LedgerFile;
use dwh_core::sql::{self, run::Step, Limit, S3Copy};

/// The whole run, as `dwh all --target redshift --top 5` renders it.
fn run() -> sql::RedshiftRun {
    run_of(&sparkify::project(), "sparkify")
}

/// The flights example's run: a keyless fact and a role-playing dimension.
fn flights_run() -> sql::RedshiftRun {
    run_of(&flights::project(), "flights")
}

/// A project's whole run, its checks (the project's own included) and
/// analyses with `--top 5`.
fn run_of(project: &dwh_core::Project, name: &str) -> sql::RedshiftRun {
    let schema = project.schema();
    let copies: Vec<_> = schema
        .of_kind(TableKind::Staging)
        .map(|table| (table, batch_of(table, name, source_format(project, table))))
        .collect();
    let top = Limit::new(5).unwrap();
    let analyses = project
        .analyses()
        .iter()
        .map(|a| (a.title().to_owned(), a.sql(top)))
        .collect();
    sql::redshift_run(schema, &copies, project.check_queries(EXAMPLES), analyses).unwrap()
}

/// How `table`'s source files are written, as its COPY reads them.
fn source_format(project: &dwh_core::Project, table: &dwh_core::schema::Table) -> sql::CopyFormat {
    let source = project
        .sources()
        .iter()
        .find(|s| s.table.name == table.name);
    match source.map(|s| &s.format) {
        Some(dwh_core::project::Format::Csv(_)) => sql::CopyFormat::Csv,
        Some(dwh_core::project::Format::Parquet) => sql::CopyFormat::Parquet,
        _ => sql::CopyFormat::Json,
    }
}

/// The COPY of this run's new files of `table`, and their ledger rows:
/// two example files.
fn batch_of(
    table: &dwh_core::schema::Table,
    project: &str,
    format: sql::CopyFormat,
) -> sql::S3Batch {
    let at = |day: u32| {
        chrono::NaiveDate::from_ymd_opt(2018, 11, day)
            .and_then(|d| d.and_hms_opt(3, 4, 5))
            .unwrap()
    };
    let files = (1..=2)
        .map(|day| LedgerFile {
            key: format!("2018/11/2018-11-0{day}-{}.json", table.name),
            size: 1000 + u64::from(day),
            modified: Some(at(day)),
            checksum: format!("\"0{day}abcdef\""),
            rows: 10 * u64::from(day),
        })
        .collect();
    sql::S3Batch {
        copy: Some(copy_of(table, project, format)),
        files,
        run_at: at(30),
    }
}

/// Where the COPY of `table` reads, as `dwh upload` lays it out: a
/// manifest of gzip parts (and a jsonpaths document) for JSON and CSV, of
/// the files as they are for Parquet.
fn copy_of(table: &dwh_core::schema::Table, project: &str, format: sql::CopyFormat) -> S3Copy {
    let json = format == sql::CopyFormat::Json;
    S3Copy {
        format,
        from: format!(
            "s3://sparkify-dwh/{project}/manifests/{}.manifest",
            table.name
        ),
        iam_role: format!("arn:aws:iam::123456789012:role/dwh-{project}-s3-read"),
        region: "us-west-2".into(),
        jsonpaths: json.then(|| {
            format!(
                "s3://sparkify-dwh/{project}/jsonpaths/{}.jsonpaths",
                table.name
            )
        }),
        manifest: true,
        gzip: format != sql::CopyFormat::Parquet,
        max_errors: 0,
    }
}

/// The run's statements, then the run log's INSERT for a run of two steps
/// (a failed one with a quote, a backslash and non-ASCII in its error) and
/// the query `dwh docs` reads the last run with.
fn statements_with_run_log(run: &sql::RedshiftRun) -> Vec<(String, String)> {
    use dwh_core::sql::runs::{record_run, RunRecord, StepRecord, StepStatus};
    let took = std::time::Duration::from_micros(812_500);
    let step = |name: &str, error: Option<&str>| {
        StepRecord::new(name, Some(8056), took, error.map(str::to_owned))
    };
    let record = RunRecord {
        project: "sparkify".to_owned(),
        run_at: chrono::NaiveDate::from_ymd_opt(2026, 12, 1)
            .unwrap()
            .and_hms_micro_opt(22, 15, 3, 250_000)
            .unwrap(),
        status: StepStatus::Failed,
        steps: vec![
            step("load staging", None),
            step("data-quality checks", Some("it's \\ é")),
        ],
    };
    let mut statements = with_kept_rows(run);
    let insert = record_run(&record, dwh_core::sql::Dialect::Redshift).unwrap();
    statements.push(("run log: record the run".to_owned(), insert));
    let last = dwh_core::sql::runs::last_run("sparkify", dwh_core::sql::Dialect::Redshift);
    statements.push(("run log: the last run (dwh docs)".to_owned(), last));
    statements
}

/// `run`'s statements with each table's kept row count rendered as the
/// executor renders it once the table's load is done (here for 8,600,000
/// rows).
fn with_kept_rows(run: &sql::RedshiftRun) -> Vec<(String, String)> {
    let kept = |label: &str| {
        run.transaction.iter().find_map(|s| match s.action {
            sql::run::Action::KeepRows(table) if s.label == label => Some(table),
            _ => None,
        })
    };
    let mut out = Vec::new();
    for (label, sql) in run.statements() {
        match kept(&label) {
            Some(table) => out.extend(
                dwh_core::sql::row_counts::keep(table, 8_600_000)
                    .map(|sql| (format!("{label} (8,600,000 rows)"), sql)),
            ),
            None => out.push((label, sql)),
        }
    }
    out
}

fn script(statements: &[(String, String)]) -> String {
    statements
        .iter()
        .map(|(label, sql)| format!("-- {label}\n{sql};\n"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_whole_run_snapshot() {
    // Beside the other rendering snapshots, in tests/snapshots.
    insta::with_settings!({ snapshot_path => "../snapshots" }, {
        insta::assert_snapshot!("redshift_run", script(&statements_with_run_log(&run())));
    });
}

#[test]
fn the_flights_run_snapshot() {
    insta::with_settings!({ snapshot_path => "../snapshots" }, {
        insta::assert_snapshot!("redshift_run_flights", script(&with_kept_rows(&flights_run())));
    });
}

/// `dwh doctor`'s probes, labelled with the shape each proves.
fn doctor_probes() -> Vec<dwh_core::doctor::Probe> {
    let s3 = dwh_core::doctor::DoctorS3 {
        prefix: "s3://sparkify-dwh/sparkify/doctor".into(),
        iam_role: "arn:aws:iam::123456789012:role/dwh-sparkify-s3-read".into(),
        region: "us-west-2".into(),
    };
    dwh_core::doctor::probes("dwh_doctor", "dev", &s3).unwrap()
}

fn labelled(probes: &[dwh_core::doctor::Probe]) -> Vec<(String, String)> {
    probes
        .iter()
        .map(|p| (format!("{:?}: {}", p.shape, p.label), p.sql.clone()))
        .collect()
}

#[test]
fn the_doctor_snapshot() {
    insta::with_settings!({ snapshot_path => "../snapshots" }, {
        insta::assert_snapshot!("doctor", script(&labelled(&doctor_probes())));
    });
}

/// Every probe passes the statement rules; the run transaction among them
/// (the registry before it, BEGIN … COMMIT) passes the run rules too.
#[test]
fn the_doctor_breaks_no_redshift_rule() {
    use dwh_core::doctor::Shape;
    let probes = doctor_probes();
    let mut violations = Vec::new();
    for (label, sql) in labelled(&probes) {
        violations.extend(rules::check_statement(&label, &sql));
    }
    // The run: what the pipeline runs before BEGIN (after the catalog
    // reads) through COMMIT.
    let start = probes
        .iter()
        .rposition(|p| p.shape == Shape::Catalog)
        .unwrap()
        + 1;
    let end = probes.iter().rposition(|p| p.in_transaction).unwrap();
    let run = &probes[start..=end];
    violations.extend(rules::check_run(&labelled(run)));
    let text: Vec<String> = violations
        .iter()
        .map(|v| format!("{}: {} — {}", v.label, v.rule, v.why))
        .collect();
    assert!(text.is_empty(), "{}", text.join("\n"));
}

/// The COPY of a CSV and of a Parquet source, as `dwh upload` lays them
/// out: sparkify's staging tables read from each format.
fn format_copies() -> Vec<(String, String)> {
    let schema = sparkify::schema();
    let staging = |name: &str| {
        schema
            .of_kind(TableKind::Staging)
            .find(|t| t.name == name)
            .unwrap()
    };
    let (events, songs) = (staging("staging_events"), staging("staging_songs"));
    let csv = S3Copy {
        max_errors: 5,
        ..copy_of(events, "sparkify", sql::CopyFormat::Csv)
    };
    let parquet = copy_of(songs, "sparkify", sql::CopyFormat::Parquet);
    vec![
        (
            "copy staging_events (CSV)".into(),
            sql::copy_from_s3(events, &csv).unwrap(),
        ),
        (
            "copy staging_songs (Parquet)".into(),
            sql::copy_from_s3(songs, &parquet).unwrap(),
        ),
    ]
}

#[test]
fn the_csv_and_parquet_copies_snapshot_and_break_no_rule() {
    let copies = format_copies();
    insta::with_settings!({ snapshot_path => "../snapshots" }, {
        insta::assert_snapshot!("redshift_copy_formats", script(&copies));
    });
    // Statement rules only: these COPYs are not a run of their own.
    let broken: Vec<_> = copies
        .iter()
        .flat_map(|(label, sql)| rules::check_statement(label, sql))
        .collect();
    assert!(broken.is_empty(), "{broken:?}");
}

#[test]
fn the_whole_run_breaks_no_redshift_rule() {
    for run in [run(), flights_run()] {
        assert_no_violation(&statements_with_run_log(&run));
    }
}

/// The keyless fact appends the batch once (while the ledger says it is
/// not transformed), inside the run's transaction, and nothing empties it.
#[test]
fn the_keyless_fact_appends_the_batch_once_inside_the_transaction() {
    let run = flights_run();
    let tx = &run.transaction;
    let at = |label: &str| tx.iter().position(|s| s.label == label).unwrap();
    let insert = at("load flights #1");
    assert!(tx[insert].sql.starts_with("INSERT INTO \"flights\""));
    assert!(tx[insert].sql.contains("AND NOT transformed"));
    assert!(insert < at("mark batch transformed") && at("mark batch transformed") < at("commit"));
    assert!(tx.iter().all(|s| !s.sql.to_uppercase().contains("TRUNCATE")
        && !s.sql.starts_with("DELETE FROM \"flights\"")));
    assert!(run
        .checks
        .iter()
        .any(|c| c.check == "every staging_flights row of the batch is loaded (keyless)"));
}

fn assert_no_violation(statements: &[(String, String)]) {
    let mut violations = rules::check_run(statements);
    for (label, sql) in statements {
        violations.extend(rules::check_statement(label, sql));
    }
    let text: Vec<String> = violations
        .iter()
        .map(|v| format!("{}: {} — {}", v.label, v.rule, v.why))
        .collect();
    assert!(text.is_empty(), "{}", text.join("\n"));
}

#[test]
fn the_run_is_one_transaction_with_staging_analyzed_inside() {
    let run = run();
    let tx = &run.transaction;
    assert_eq!(tx.first().map(|s| s.step), Some(Step::Begin));
    assert_eq!(tx.last().map(|s| s.step), Some(Step::Commit));
    for table in sparkify::schema().of_kind(TableKind::Staging) {
        let at = |label: String| tx.iter().position(|s| s.label == label);
        let (delete, copy, analyze) = (
            at(format!("empty {}", table.name)).unwrap(),
            at(format!("copy {}", table.name)).unwrap(),
            at(format!("analyze {}", table.name)).unwrap(),
        );
        assert!(delete < copy && copy < analyze, "{}", table.name);
        assert!(tx[delete].sql.starts_with("DELETE FROM"));
        assert!(tx[copy].sql.contains("STATUPDATE OFF"));
        let first_load = tx.iter().position(|s| s.step == Step::StarSchema).unwrap();
        assert!(
            analyze < first_load,
            "staging is analyzed before the star schema is built"
        );
    }
    assert!(run.load_errors.contains("query = pg_last_copy_id()"));
}

/// `all --fresh --target redshift`: the drops run inside the one
/// transaction, after the lock and the ownership check, and the whole
/// plan passes the same rules (lock first, no TRUNCATE, one COMMIT).
#[test]
fn a_fresh_run_drops_inside_the_transaction_after_the_lock() {
    let fresh = sql::run_plan(
        &sparkify::schema(),
        sql::Dialect::Redshift,
        &staging(),
        sql::Parts {
            fresh: true,
            ..sql::Parts::ALL
        },
    )
    .unwrap();
    let tx = &fresh.transaction;
    let lock = tx.iter().position(|s| s.sql.starts_with("LOCK")).unwrap();
    assert!(fresh.prepare[0]
        .sql
        .starts_with("CREATE TABLE IF NOT EXISTS \"dwh_registry\""));
    let registered = tx
        .iter()
        .position(|s| s.label == "registered tables")
        .unwrap();
    let drops: Vec<usize> = (0..tx.len())
        .filter(|&i| tx[i].step == Step::Drop && tx[i].sql.starts_with("DROP TABLE"))
        .filter(|&i| {
            let schema = sparkify::schema();
            let mut tables = schema.tables().iter();
            tables.any(|t| tx[i].label == format!("drop {}", t.name))
        })
        .collect();
    assert_eq!(drops.len(), sparkify::schema().tables().len());
    assert!(lock == 1 && registered < drops[0], "{tx:#?}");
    assert!(drops.iter().all(|&i| i < tx.len() - 1));
    let statements = plan_statements(&fresh);
    let broken = rules::check_run(&statements);
    assert!(broken.is_empty(), "{broken:?}");
}

/// A plan's statements in the order they run: before `BEGIN`, then the
/// transaction.
fn plan_statements(plan: &sql::RunPlan) -> Vec<(String, String)> {
    plan.prepare
        .iter()
        .chain(&plan.transaction)
        .map(|s| (s.label.clone(), s.sql.clone()))
        .collect()
}

/// `dwh all`, `load`, `transform` and `create-tables` on Redshift: the
/// registry is created before `BEGIN` and the transaction opens with the
/// run lock, before any CREATE or SELECT takes its snapshot
/// (<https://docs.aws.amazon.com/redshift/latest/dg/c_serial_isolation.html>).
#[test]
fn every_redshift_run_opens_its_transaction_with_the_lock() {
    let none = sql::Parts::NONE;
    let parts = [
        sql::Parts::ALL,
        sql::Parts {
            staging: true,
            ..none
        },
        sql::Parts { star: true, ..none },
        sql::Parts {
            create: true,
            ..none
        },
    ];
    for parts in parts {
        let plan = sql::run_plan(
            &sparkify::schema(),
            sql::Dialect::Redshift,
            &staging(),
            parts,
        )
        .unwrap();
        assert_eq!(
            plan.transaction[1].sql, "LOCK \"dwh_registry\"",
            "{parts:?}"
        );
        let broken = rules::check_run(&plan_statements(&plan));
        assert!(broken.is_empty(), "{parts:?}: {broken:?}");
    }
}

/// Each staging table's COPY, for rendering the run other ways.
fn staging() -> Vec<(&'static dwh_core::schema::Table, sql::StagingFrom)> {
    sparkify::schema()
        .of_kind(TableKind::Staging)
        .map(|table| {
            (
                table,
                sql::StagingFrom::S3(batch_of(table, "sparkify", sql::CopyFormat::Json)),
            )
        })
        .collect()
}

#[test]
fn every_statement_parses_in_sqlfluffs_redshift_grammar() {
    let mut statements = statements_with_run_log(&run());
    statements.extend(
        with_kept_rows(&flights_run())
            .into_iter()
            .map(|(label, sql)| (format!("flights {label}"), sql)),
    );
    let scratch = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("redshift-lint");
    let failures = sqlfluff::unparsable(&statements, &scratch);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The rules and sqlfluff reject what Redshift rejects: each bad statement
/// is caught, so the lint cannot pass vacuously.
mod the_lint_rejects {
    use super::rules::{check_run, check_statement};

    fn rules_of(sql: &str) -> Vec<&'static str> {
        check_statement("bad", sql)
            .into_iter()
            .map(|v| v.rule)
            .collect()
    }

    const PARQUET_OPTION: &str = "option a columnar COPY does not take";
    const CSV_OPTION: &str = "CSV with ESCAPE/REMOVEQUOTES/FIXEDWIDTH";

    #[test]
    fn each_construct_redshift_does_not_accept() {
        let cases = [
            ("INSERT INTO t (a) VALUES (1) ON CONFLICT (a) DO NOTHING", "ON CONFLICT"),
            ("DELETE FROM t WHERE a = 1 RETURNING a", "RETURNING"),
            ("SELECT COUNT(*) FILTER (WHERE a > 1) FROM t", "FILTER (WHERE …)"),
            ("SELECT a FROM t ORDER BY a LIMIT $1", "bind parameter"),
            ("SELECT a FROM t ORDER BY a LIMIT $1", "LIMIT/OFFSET not an int4 literal"),
            ("SELECT a FROM t ORDER BY a LIMIT 5 OFFSET $2", "bind parameter"),
            ("SELECT a FROM t LIMIT 2147483648", "LIMIT/OFFSET not an int4 literal"),
            ("SELECT a FROM t WHERE b = $1", "bind parameter"),
            ("SELECT a FROM t EXCEPT ALL SELECT a FROM u", "EXCEPT/INTERSECT/MINUS ALL"),
            ("SELECT a FROM t\nINTERSECT  all SELECT a FROM u", "EXCEPT/INTERSECT/MINUS ALL"),
            ("SELECT a FROM t MINUS ALL SELECT a FROM u", "EXCEPT/INTERSECT/MINUS ALL"),
            (
                "MERGE INTO t USING (SELECT * FROM s) AS n ON t.a = n.a WHEN MATCHED THEN UPDATE SET b = n.b",
                "subquery as MERGE source",
            ),
            (
                "WITH n AS (SELECT * FROM s) MERGE INTO t USING n ON t.a = n.a WHEN MATCHED THEN DELETE",
                "CTE with MERGE",
            ),
            ("CREATE TABLE t (a TEXT)", "TEXT/JSON/JSONB/SERIAL/array type"),
            ("CREATE TABLE t (a JSONB NOT NULL)", "TEXT/JSON/JSONB/SERIAL/array type"),
            ("CREATE TABLE t (a SERIAL)", "TEXT/JSON/JSONB/SERIAL/array type"),
            ("CREATE TABLE t (a BIGSERIAL)", "TEXT/JSON/JSONB/SERIAL/array type"),
            ("CREATE TABLE t (a INTEGER[])", "TEXT/JSON/JSONB/SERIAL/array type"),
            ("SELECT CAST(a AS TEXT) FROM t", "TEXT/JSON/JSONB/array cast"),
            ("SELECT a::jsonb FROM t", "TEXT/JSON/JSONB/array cast"),
            (
                "CREATE TABLE t (a INTEGER, b INTEGER GENERATED ALWAYS AS (a * 2) STORED)",
                "GENERATED column",
            ),
            (
                "CREATE TABLE t (a SMALLINT IDENTITY(0, 1) NOT NULL ENCODE AZ64)",
                "IDENTITY on a small type",
            ),
            (
                "CREATE TABLE t (b INTEGER,\n a SMALLINT GENERATED BY DEFAULT AS IDENTITY(0, 1))",
                "IDENTITY on a small type",
            ),
            (
                "COPY t FROM 's3://b/m' IAM_ROLE 'r' FORMAT AS PARQUET MANIFEST MAXERROR 10",
                PARQUET_OPTION,
            ),
            (
                "COPY t FROM 's3://b/m' IAM_ROLE 'r' REGION 'us-west-2' FORMAT AS PARQUET",
                PARQUET_OPTION,
            ),
            ("COPY t FROM 's3://b/m' IAM_ROLE 'r' FORMAT AS PARQUET GZIP", PARQUET_OPTION),
            (
                "COPY t FROM 's3://b/m' IAM_ROLE 'r' FORMAT AS PARQUET IGNOREHEADER 1",
                PARQUET_OPTION,
            ),
            (
                "COPY t FROM 's3://b/m' IAM_ROLE 'r' FORMAT AS PARQUET COMPUPDATE OFF",
                PARQUET_OPTION,
            ),
            (
                "COPY t (a) FROM 's3://b/m' IAM_ROLE 'r' FORMAT AS CSV IGNOREHEADER 1 ESCAPE",
                CSV_OPTION,
            ),
            (
                "COPY t (a) FROM 's3://b/m' IAM_ROLE 'r' CSV IGNOREHEADER 1 REMOVEQUOTES",
                CSV_OPTION,
            ),
            (
                "COPY t (a) FROM 's3://b/m' IAM_ROLE 'r' FORMAT AS CSV FIXEDWIDTH 'a:3' IGNOREHEADER 1",
                CSV_OPTION,
            ),
            (
                "COPY t (a) FROM 's3://b/m' IAM_ROLE 'r' FORMAT AS CSV QUOTE AS '\"' GZIP",
                "CSV COPY without IGNOREHEADER 1",
            ),
        ];
        for (sql, rule) in cases {
            assert!(
                rules_of(sql).contains(&rule),
                "`{sql}` should break `{rule}`: {:?}",
                rules_of(sql)
            );
        }
    }

    /// Issue 24, 1.1: the catalog queries as rendered before the fix.
    #[test]
    fn leader_node_functions_and_catalogs_beside_system_views() {
        let function = "leader-node function with a table";
        let catalog = "catalog table with a system view";
        let cases: [(&str, &[&str]); 5] = [
            (
                "SELECT TRIM(c.relname)::varchar, t.remarks::varchar FROM pg_class_info c \
                 JOIN pg_namespace n ON n.oid = c.relnamespace \
                 LEFT JOIN svv_redshift_tables t ON t.database_name = current_database() \
                 AND t.schema_name = n.nspname AND t.table_name = c.relname \
                 WHERE n.nspname = current_schema() AND c.relkind = 'r'",
                &[function, catalog],
            ),
            (
                "SELECT d.tablename::varchar, c.remarks::varchar FROM pg_table_def d \
                 JOIN svv_redshift_columns c ON c.schema_name = d.schemaname \
                 AND c.table_name = d.tablename WHERE d.schemaname = 'public'",
                &[catalog],
            ),
            (
                "SELECT relation_name::varchar FROM svv_relation_privileges \
                 WHERE namespace_name = current_schema() AND relation_name IN ('users')",
                &[function],
            ),
            (
                "SELECT COUNT(*) FROM \"users\" WHERE level = CURRENT_SCHEMA()",
                &[function],
            ),
            (
                "SELECT query FROM stl_load_errors WHERE starttime < NOW()",
                &[function],
            ),
        ];
        for (sql, rules) in cases {
            let broken = rules_of(sql);
            for rule in rules {
                assert!(
                    broken.contains(rule),
                    "`{sql}` should break `{rule}`: {broken:?}"
                );
            }
        }
    }

    #[test]
    fn nothing_redshift_accepts() {
        for sql in [
            "SELECT \"returning\", 'ON CONFLICT' FROM t ORDER BY 1 LIMIT 2147483647",
            "SELECT a FROM t LIMIT ALL",
            "COPY t (a) FROM 's3://b/k' IAM_ROLE 'arn:aws:iam::123456789012:role/r' FORMAT AS JSON 'auto'",
            "COPY t FROM 's3://b/m' IAM_ROLE 'r' FORMAT AS PARQUET MANIFEST STATUPDATE OFF",
            "COPY t (a) FROM 's3://b/m' IAM_ROLE 'r' FORMAT AS CSV QUOTE AS '\"' NULL AS '\\\\N' IGNOREHEADER 1 GZIP MAXERROR 3",
            "CREATE TABLE t (a BIGINT IDENTITY(0, 1) NOT NULL, b INTEGER GENERATED BY DEFAULT AS IDENTITY(1, 1), c VARCHAR(8))",
            "MERGE INTO t USING s ON t.a = s.a WHEN MATCHED THEN UPDATE SET b = s.b",
            "SELECT current_schema()::varchar, current_database()::varchar",
            "SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n \
             ON n.oid = c.relnamespace WHERE n.nspname = current_schema()",
            "SELECT table_name FROM svv_redshift_tables WHERE schema_name = 'public'",
            "SELECT SUBSTRING(a FROM 1 FOR 2) FROM t",
            "SELECT a FROM t UNION ALL SELECT a FROM u EXCEPT SELECT a FROM v",
        ] {
            assert_eq!(rules_of(sql), Vec::<&str>::new(), "{sql}");
        }
    }

    fn run_rules(statements: &[&str]) -> Vec<&'static str> {
        let labelled: Vec<(String, String)> = statements
            .iter()
            .map(|s| (s.to_string(), s.to_string()))
            .collect();
        check_run(&labelled).into_iter().map(|v| v.rule).collect()
    }

    #[test]
    fn a_run_that_truncates_commits_twice_or_locks_late() {
        assert_eq!(
            run_rules(&["BEGIN", "LOCK t", "DELETE FROM t", "COMMIT"]),
            Vec::<&str>::new()
        );
        assert!(run_rules(&["BEGIN", "TRUNCATE t", "COMMIT"]).contains(&"TRUNCATE"));
        assert!(run_rules(&["DELETE FROM t", "BEGIN", "COMMIT"])
            .contains(&"write outside the transaction"));
        assert!(run_rules(&["BEGIN", "COMMIT", "COMMIT"]).contains(&"transaction end"));
        assert!(run_rules(&["BEGIN", "DELETE FROM t"]).contains(&"one COMMIT"));
        assert!(
            run_rules(&["BEGIN", "COPY t FROM 's3://b/k'", "LOCK t", "COMMIT"])
                .contains(&"LOCK after writes")
        );
    }

    /// Issue 24, 2.1: the registry created inside the transaction, before
    /// its LOCK, as rendered before the fix; created before BEGIN it is
    /// the one write allowed there.
    #[test]
    fn a_run_whose_transaction_does_not_open_with_the_lock() {
        let registry = "CREATE TABLE IF NOT EXISTS \"dwh_registry\" (table_name VARCHAR(127))";
        let lock = "LOCK \"dwh_registry\"";
        assert!(
            run_rules(&["BEGIN", registry, lock, "DELETE FROM t", "COMMIT"])
                .contains(&"LOCK not first in the transaction")
        );
        assert!(run_rules(&["BEGIN", "SELECT 1", lock, "COMMIT"])
            .contains(&"LOCK not first in the transaction"));
        assert_eq!(
            run_rules(&[registry, "BEGIN", lock, "DELETE FROM t", "COMMIT"]),
            Vec::<&str>::new()
        );
        assert!(
            run_rules(&["CREATE TABLE t (a INT)", "BEGIN", lock, "COMMIT"])
                .contains(&"write outside the transaction")
        );
    }

    /// Today's (issue 24) late-arrival UPDATE, unmatched table and
    /// staging DDL: each rejected; the forms dwh renders now pass.
    #[test]
    fn outer_joins_in_update_from_like_tables_and_backup_no() {
        let update_left_join = "UPDATE \"f\" SET \"s\" = r.\"s\"\nFROM (\n  SELECT src.a, s.s FROM \"u\" AS src\n  LEFT JOIN \"d\" AS s ON s.k = src.k\n  WHERE s.k IS NOT NULL\n) AS r\nWHERE \"f\".a = r.a AND (EXISTS (SELECT 1 FROM l WHERE NOT t))";
        let cases = [
            (update_left_join, "outer join in UPDATE … FROM"),
            (
                "UPDATE t SET a = 1 FROM s FULL OUTER JOIN r ON s.k = r.k WHERE t.k = s.k",
                "outer join in UPDATE … FROM",
            ),
            (
                "CREATE TABLE IF NOT EXISTS \"dwh_unmatched_f\" (LIKE \"staging_f\")",
                "CREATE TABLE (LIKE …)",
            ),
            (
                "CREATE TABLE \"staging_f\" (\n    \"a\" INTEGER\n)\nBACKUP NO\nDISTSTYLE EVEN",
                "BACKUP NO",
            ),
        ];
        for (sql, rule) in cases {
            assert!(
                rules_of(sql).contains(&rule),
                "`{sql}` should break `{rule}`: {:?}",
                rules_of(sql)
            );
        }
        for sql in [
            &update_left_join.replace("LEFT JOIN", "INNER JOIN"),
            // An outer join in the WHERE is what r_UPDATE recommends.
            "UPDATE t SET a = 1 FROM s WHERE t.k = s.k AND NOT EXISTS (SELECT 1 FROM s LEFT JOIN r ON s.k = r.k WHERE r.k IS NULL)",
            "CREATE TABLE IF NOT EXISTS \"dwh_unmatched_f\" (\n    \"a\" INTEGER\n)\nBACKUP YES\nDISTSTYLE EVEN",
        ] {
            assert_eq!(rules_of(sql), Vec::<&str>::new(), "{sql}");
        }
    }

    /// A MERGE whose source table is not first reduced to the changed rows
    /// (`DELETE FROM source USING target`) is rejected.
    #[test]
    fn a_merge_of_every_matched_row() {
        let merge = "MERGE INTO \"d\"\nUSING \"__dwh_new_d\" AS n\nON \"d\".\"k\" = n.\"k\"\nWHEN MATCHED THEN UPDATE SET \"v\" = n.\"v\"\nWHEN NOT MATCHED THEN INSERT (\"k\", \"v\") VALUES (n.\"k\", n.\"v\")";
        let reduce =
            "DELETE FROM \"__dwh_new_d\"\nUSING \"d\"\nWHERE \"d\".\"k\" = \"__dwh_new_d\".\"k\"";
        let rule = "MERGE source not reduced to changed rows";
        assert!(run_rules(&["BEGIN", merge, "COMMIT"]).contains(&rule));
        assert!(run_rules(&["BEGIN", merge, reduce, "COMMIT"]).contains(&rule));
        assert!(!run_rules(&["BEGIN", reduce, merge, "COMMIT"]).contains(&rule));
    }

    #[test]
    fn sqlfluff_rejects_what_its_grammar_does_not_know() {
        let bad: Vec<(String, String)> = [
            "INSERT INTO t (a) VALUES (1) ON CONFLICT (a) DO NOTHING",
            "CREATE TABLE t (a SERIAL)",
            "CREATE TABLE t (a INTEGER ENCODE NOSUCHCODEC)",
            "COPY t FROM 's3://b/k' IAM_ROLE 'arn:aws:iam::123456789012:role/r' NOSUCHOPTION 3",
            "SELECT 1",
        ]
        .iter()
        .enumerate()
        .map(|(i, s)| (format!("bad #{i}"), s.to_string()))
        .collect();
        let scratch = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("redshift-lint-bad");
        let failures = super::sqlfluff::unparsable(&bad, &scratch);
        let labels: Vec<&str> = failures
            .iter()
            .map(|f| f.split(':').next().unwrap())
            .collect();
        assert_eq!(
            labels,
            ["bad #0", "bad #1", "bad #2", "bad #3"],
            "{}",
            failures.join("\n")
        );
    }
}
