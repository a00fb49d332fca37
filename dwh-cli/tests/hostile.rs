//! Hostile values: names, S3 locations, role ARNs, regions, paths and
//! connection strings carrying SQL are refused before they reach SQL, or
//! stay data.
//!
//! Values from `dwh.toml` (bucket, prefix, role, region, cluster names) go
//! through the same validators (`is_s3_uri`, `is_role_arn`, `is_region`,
//! `copy_from_s3`, `validate_ident`) tested here; a test that feeds a
//! hostile `dwh.toml` to the CLI belongs with the config loader.

mod common;

use common::*;
use dwh_core::local::validate_database_name;
use dwh_core::schema::Table;
use dwh_core::sql::{
    copy_from_s3, is_region, is_role_arn, is_s3_uri, quote_ident, validate_ident, CopyError, S3Copy,
};
use dwh_core::StagingTable;

const HOSTILE: [&str; 8] = [
    "x'; DROP TABLE users; --",
    "x\"; DROP TABLE users; --",
    "x\\'; DROP TABLE users; --",
    "x$$; DROP TABLE users; --$$",
    "x\n; DROP TABLE users; --",
    "x\0y",
    "users; DROP TABLE users",
    "é'",
];

fn events() -> &'static Table {
    &<sparkify::StagingEvent as StagingTable>::TABLE
}

fn valid_copy() -> S3Copy {
    S3Copy {
        format: dwh_core::sql::CopyFormat::Json,
        from: "s3://udacity-dend/log_data".into(),
        iam_role: "arn:aws:iam::123456789012:role/dwhRole".into(),
        region: "us-west-2".into(),
        jsonpaths: Some("s3://udacity-dend/log_json_path.json".into()),
        manifest: false,
        gzip: false,
        max_errors: 0,
    }
}

#[test]
fn identifiers_carrying_sql_are_refused() {
    for name in HOSTILE {
        assert!(validate_ident(name).is_err(), "{name:?} accepted as a name");
        assert!(
            std::panic::catch_unwind(|| quote_ident(name)).is_err(),
            "{name:?} quoted"
        );
        assert!(
            validate_database_name(name).is_err(),
            "{name:?} as a database"
        );
    }
}

#[test]
fn s3_locations_roles_and_regions_carrying_sql_are_refused() {
    for value in HOSTILE {
        let in_prefix = format!("s3://udacity-dend/{value}");
        let in_bucket = format!("s3://{value}/log_data");
        let in_role = format!("arn:aws:iam::123456789012:role/{value}");
        let in_region = format!("us-west-2{value}");
        assert!(!is_s3_uri(&in_prefix) || !in_prefix.contains(['\'', '\\', '\n', '\0']));
        assert!(!is_s3_uri(&in_bucket), "{in_bucket:?}");
        assert!(!is_role_arn(&in_role), "{in_role:?}");
        assert!(!is_region(&in_region), "{in_region:?}");

        let cases: [(&str, &str, S3Copy); 4] = [
            (
                "S3 location",
                &in_bucket,
                S3Copy {
                    from: in_bucket.clone(),
                    ..valid_copy()
                },
            ),
            (
                "IAM role",
                &in_role,
                S3Copy {
                    iam_role: in_role.clone(),
                    ..valid_copy()
                },
            ),
            (
                "region",
                &in_region,
                S3Copy {
                    region: in_region.clone(),
                    ..valid_copy()
                },
            ),
            (
                "jsonpaths location",
                &in_bucket,
                S3Copy {
                    jsonpaths: Some(in_bucket.clone()),
                    ..valid_copy()
                },
            ),
        ];
        for (what, given, copy) in cases {
            match copy_from_s3(events(), &copy) {
                Err(e @ CopyError::Invalid { .. }) => {
                    let CopyError::Invalid {
                        what: named, value, ..
                    } = &e
                    else {
                        unreachable!()
                    };
                    assert_eq!((*named, value.as_str()), (what, given));
                    assert!(e.to_string().contains("is not valid"), "{e}");
                }
                other => panic!("{what} {given:?}: {other:?}"),
            }
        }
        // A prefix with a quote, backslash or control character is refused
        // too, rather than escaped.
        if in_prefix.contains(['\'', '\\', '\n', '\0']) {
            let copy = S3Copy {
                from: in_prefix.clone(),
                ..valid_copy()
            };
            assert!(copy_from_s3(events(), &copy).is_err(), "{in_prefix:?}");
        }
    }
}

#[test]
fn accepted_values_appear_only_inside_string_literals() {
    let sql = copy_from_s3(events(), &valid_copy()).unwrap();
    for literal in [
        "FROM 's3://udacity-dend/log_data'",
        "IAM_ROLE 'arn:aws:iam::123456789012:role/dwhRole'",
        "REGION 'us-west-2'",
        "FORMAT AS JSON 's3://udacity-dend/log_json_path.json'",
    ] {
        assert!(sql.contains(literal), "{literal:?} missing from:\n{sql}");
    }
    // Every quote in the statement belongs to one of those literals.
    assert_eq!(sql.matches('\'').count(), 10, "{sql}");
}

#[tokio::test]
async fn hostile_cli_values_are_refused_or_stay_data() {
    dwh_tests::require_sample!();
    // A staging table name carrying SQL: no such table, nothing printed.
    let output = dwh_run([
        "ddl",
        "--jsonpaths",
        "staging_events'; DROP TABLE users; --",
    ]);
    assert_eq!(output.code, Some(1), "{}", output.all());
    assert!(output.stdout.is_empty(), "{}", output.stdout);

    // Values carrying SQL in the data load as data; a rejects path
    // carrying SQL is just a file name.
    let url = fresh_db("cli_hostile").await;
    let data = corpus_data("cli_hostile", "hostile_strings");
    let out = dwh_tests::scratch("cli_hostile_out");
    let rejects = out.join("r'; DROP TABLE users; --.jsonl");
    let output = dwh_run(all_args(
        &url,
        &data,
        &[
            "--max-errors",
            "1",
            "--rejects",
            &rejects.display().to_string(),
        ],
    ));
    output.assert_success("the run on hostile values");
    let tables = counts(&url).await;
    assert!(
        tables.values().all(Option::is_some),
        "a table is gone: {tables:?}"
    );
    assert_eq!(tables["staging_events"], Some(1));
    let warehouse = dwh_core::Warehouse::connect(&url, dwh_core::sql::Dialect::Postgres)
        .await
        .unwrap();
    let staged: String = warehouse
        .client()
        .query_one("SELECT artist FROM staging_events", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(staged, "x'; DROP TABLE users; --");

    // A bad record with that rejects path: the file is written there.
    let bad = corpus_data("cli_hostile_bad", "truncated_line");
    let output = dwh_run(all_args(
        &url,
        &bad,
        &[
            // Another `events.json` than the one loaded before: rebuild.
            "--full-refresh",
            "--max-errors",
            "1",
            "--rejects",
            &rejects.display().to_string(),
        ],
    ));
    output.assert_success("the run with a hostile rejects path");
    assert!(out
        .join("r'; DROP TABLE users; --.staging_events.jsonl")
        .is_file());

    // A database name carrying SQL: it does not exist, and nothing else
    // is touched.
    let hostile_url = url.replace("/cli_hostile", "/x'; DROP TABLE users; --");
    let output = dwh_run(["check", "--database-url", &hostile_url]);
    assert_eq!(output.code, Some(1), "{}", output.all());
    output.assert_stderr_has("does not exist");
    assert!(counts(&url).await.values().all(Option::is_some));
}

#[test]
fn a_top_beyond_redshifts_int4_limit_is_refused_before_connecting() {
    // Rendered as a LIMIT literal, `--top` must fit Redshift's LIMIT
    // (an int4); it is refused while parsing the arguments, so the
    // unreachable database is never tried.
    for top in ["2147483648", "-1", "many"] {
        let output = dwh_run([
            "analyze",
            "--database-url",
            "postgres://dwh@127.0.0.1:1/nowhere",
            &format!("--top={top}"),
        ]);
        assert_ne!(output.code, Some(0), "{}", output.all());
        output.assert_stderr_has("--top");
        assert!(!output.stderr.contains("127.0.0.1:1"), "{}", output.stderr);
    }
    let output = dwh_run(["analyze", "--top", "2147483648"]);
    output.assert_stderr_has("2147483647");
}
