//! The SQL dwh renders for the Sparkify schema: snapshots reviewed like code,
//! Redshift statements parsed by a real SQL parser, and PostgreSQL DDL run
//! on the real local engine.

use dwh_core::schema::TableKind;
use dwh_core::sql::{self, Dialect, IfNotExists, S3Copy};
use dwh_core::Schema;
use dwh_tests::fresh_warehouse;
use sqlparser::dialect::RedshiftSqlDialect;
use sqlparser::parser::Parser;

/// Every statement of the Sparkify schema for `dialect`, labelled.
fn statements(dialect: Dialect) -> Vec<(String, String)> {
    statements_of(&sparkify::schema(), "sparkify-dwh", dialect)
}

/// Every statement of `schema` for `dialect`, labelled; COPY reads from
/// `bucket`.
fn statements_of(schema: &Schema, bucket: &str, dialect: Dialect) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for table in schema.tables() {
        out.push((
            format!("create {}", table.name),
            sql::create_table(table, dialect, IfNotExists::Yes),
        ));
    }
    for table in schema.transform_order() {
        let load = sql::load_statements(table, dialect).expect("loaded tables have loads");
        for (i, statement) in load.statements.into_iter().enumerate() {
            out.push((format!("load {} #{}", table.name, i + 1), statement));
        }
    }
    if dialect == Dialect::Redshift {
        for table in schema.of_kind(TableKind::Staging) {
            let copy = S3Copy {
                format: sql::CopyFormat::Json,
                from: format!("s3://{bucket}/{}/manifest", table.name),
                iam_role: "arn:aws:iam::123456789012:role/dwhRole".into(),
                region: "us-west-2".into(),
                jsonpaths: Some(format!("s3://{bucket}/jsonpaths/{}.json", table.name)),
                manifest: true,
                gzip: true,
                max_errors: 0,
            };
            out.push((
                format!("copy {}", table.name),
                sql::copy_from_s3(table, &copy).unwrap(),
            ));
        }
    }
    for table in schema.tables().iter().rev() {
        out.push((format!("drop {}", table.name), sql::drop_table(table)));
    }
    out
}

fn script(dialect: Dialect) -> String {
    joined(statements(dialect))
}

fn joined(statements: Vec<(String, String)>) -> String {
    statements
        .into_iter()
        .map(|(label, sql)| format!("-- {label}\n{sql};\n"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn redshift_sql_snapshot() {
    insta::assert_snapshot!("sparkify_redshift", script(Dialect::Redshift));
}

#[test]
fn postgres_sql_snapshot() {
    insta::assert_snapshot!("sparkify_postgres", script(Dialect::Postgres));
}

/// The flights example: a keyless fact (DELETE, then INSERT … SELECT) and
/// two lookups of one dimension (origin and destination airports).
#[test]
fn flights_sql_snapshots() {
    let schema = flights::schema();
    insta::assert_snapshot!(
        "flights_redshift",
        joined(statements_of(&schema, "flights-dwh", Dialect::Redshift))
    );
    insta::assert_snapshot!(
        "flights_postgres",
        joined(statements_of(&schema, "flights-dwh", Dialect::Postgres))
    );
}

/// The local engine's whole run transaction (`dwh all --fresh`), as the
/// one pipeline executes it: the same steps as on Redshift, with the binary
/// COPY from files as the staging load and the advisory lock held before
/// `BEGIN` instead of `LOCK`.
#[test]
fn local_run_plan_snapshot() {
    let project = sparkify::project();
    let staging: Vec<_> = project
        .sources()
        .iter()
        .map(|s| {
            // One new file each: the run loads only what the ledger lacks.
            let key = format!("{}/new-file.json", s.dir);
            (s.table, dwh_core::sql::StagingFrom::Files(vec![key]))
        })
        .collect();
    let parts = dwh_core::sql::Parts {
        fresh: true,
        ..dwh_core::sql::Parts::ALL
    };
    let plan =
        dwh_core::sql::run_plan(project.schema(), Dialect::Postgres, &staging, parts).unwrap();
    let text = plan
        .transaction
        .iter()
        .map(|s| format!("-- {} ({})\n{};\n", s.label, s.action.name(), s.sql))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(!text.contains("LOCK \"dwh_registry\""));
    insta::assert_snapshot!("sparkify_local_run", text);
}

#[test]
fn jsonpaths_snapshot() {
    let schema = sparkify::schema();
    let docs: Vec<String> = schema
        .of_kind(TableKind::Staging)
        .map(|t| format!("-- {}\n{}", t.name, sql::jsonpaths(t)))
        .collect();
    insta::assert_snapshot!("sparkify_jsonpaths", docs.join("\n"));
}

#[test]
fn generated_jsonpaths_match_the_course_file() {
    dwh_tests::require_sample!();
    let course: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dwh_tests::sample_data().join("log_json_path.json")).unwrap(),
    )
    .unwrap();
    let events = sparkify::schema().table("staging_events").unwrap();
    let ours: serde_json::Value = serde_json::from_str(&sql::jsonpaths(events)).unwrap();
    assert_eq!(ours, course);
}

/// Statements sqlparser's Redshift dialect cannot parse as a whole, why,
/// and the Redshift-only clauses removed so the rest of the statement is
/// still checked by the parser.
const PARSER_GAPS: &[(&str, &str, &[&str])] = &[
    (
        "create ",
        "sqlparser 0.59 knows no column ENCODE, IDENTITY(seed, step), BACKUP NO or DISTSTYLE/DISTKEY/SORTKEY table attributes",
        &[" ENCODE ", " IDENTITY(0, 1)", "\nBACKUP NO", "\nDISTSTYLE ", "\nDISTKEY ", "\nCOMPOUND SORTKEY ", "\nINTERLEAVED SORTKEY "],
    ),
    (
        "copy ",
        "sqlparser 0.59 parses FORMAT AS JSON only without the jsonpaths location, and knows no MAXERROR, COMPUPDATE or STATUPDATE",
        &[" 's3://sparkify-dwh/jsonpaths/", " 's3://flights-dwh/jsonpaths/", "\nMAXERROR ", "\nCOMPUPDATE ", "\nSTATUPDATE "],
    ),
];

/// Removes each Redshift-only clause: from its marker to the end of the word
/// (or parenthesised list, or quoted literal) that follows it.
fn strip_clauses(statement: &str, markers: &[&str]) -> String {
    let mut out = statement.to_owned();
    for marker in markers {
        while let Some(start) = out.find(marker) {
            let rest = &out[start + marker.len()..];
            let end = if marker.ends_with(' ') && rest.starts_with('(') {
                // A parenthesised list: up to its closing parenthesis.
                start + marker.len() + rest.find(')').map_or(rest.len(), |i| i + 1)
            } else if marker.ends_with(' ') {
                let word = rest.find([',', '\n']).unwrap_or(rest.len());
                start + marker.len() + word
            } else if marker.ends_with('/') {
                start + marker.len() + rest.find('\'').map_or(rest.len(), |i| i + 1)
            } else {
                start + marker.len()
            };
            out.replace_range(start..end, "");
        }
    }
    out
}

#[test]
fn redshift_statements_parse() {
    let mut failures = Vec::new();
    let all = statements(Dialect::Redshift)
        .into_iter()
        .chain(statements_of(
            &flights::schema(),
            "flights-dwh",
            Dialect::Redshift,
        ));
    for (label, statement) in all {
        let parse = |sql: &str| Parser::parse_sql(&RedshiftSqlDialect {}, sql);
        match PARSER_GAPS
            .iter()
            .find(|(prefix, _, _)| label.starts_with(prefix))
        {
            None => {
                if let Err(e) = parse(&statement) {
                    failures.push(format!("{label}: {e}\n{statement}"));
                }
            }
            Some((prefix, _why, clauses)) => {
                if parse(&statement).is_ok() {
                    failures.push(format!(
                        "{label}: now parses whole; drop `{prefix}` from PARSER_GAPS"
                    ));
                }
                let stripped = strip_clauses(&statement, clauses);
                if let Err(e) = parse(&stripped) {
                    failures.push(format!(
                        "{label} without Redshift-only clauses: {e}\n{stripped}"
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[tokio::test]
async fn postgres_ddl_creates_the_declared_columns() {
    for schema in [sparkify::schema(), flights::schema()] {
        ddl_creates_the_declared_columns(&schema).await;
    }
}

async fn ddl_creates_the_declared_columns(schema: &Schema) {
    let (warehouse, _) = fresh_warehouse("render_ddl").await;
    warehouse.create_tables(schema).await.unwrap();
    // Creating again is a no-op (IF NOT EXISTS).
    warehouse.create_tables(schema).await.unwrap();
    for table in schema.tables() {
        let rows = warehouse
            .client()
            .query(
                "SELECT column_name, data_type, character_maximum_length, is_nullable \
                 FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position",
                &[&table.name],
            )
            .await
            .unwrap();
        let got: Vec<(String, String, Option<i32>, bool)> = rows
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2), r.get::<_, String>(3) == "YES"))
            .collect();
        let want: Vec<(String, String, Option<i32>, bool)> = table
            .columns
            .iter()
            .map(|c| {
                use dwh_core::schema::SqlType::*;
                let (ty, len) = match c.ty {
                    SmallInt => ("smallint", None),
                    Integer => ("integer", None),
                    BigInt => ("bigint", None),
                    Real => ("real", None),
                    Double => ("double precision", None),
                    Boolean => ("boolean", None),
                    Varchar(n) => ("character varying", Some(n as i32)),
                    Date => ("date", None),
                    Timestamp => ("timestamp without time zone", None),
                    TimestampTz => ("timestamp with time zone", None),
                    Numeric { .. } => ("numeric", None),
                };
                (c.name.to_owned(), ty.to_owned(), len, c.nullable)
            })
            .collect();
        assert_eq!(got, want, "columns of `{}`", table.name);
    }
    warehouse.drop_tables(schema).await.unwrap();
}

/// The derives carry each struct's and field's `///` text into the model,
/// which `dwh docs` shows; undocumented items get an empty string.
#[test]
fn doc_comments_reach_the_schema_model() {
    use dwh_core::StagingTable;
    let table = sparkify::StagingEvent::TABLE;
    assert!(
        table.doc.starts_with("One app event, as logged"),
        "{table:?}"
    );
    let user_id = table.column("user_id").unwrap();
    assert_eq!(
        user_id.doc,
        "A string in the logs; `\"\"` for logged-out events."
    );
    assert_eq!(table.column("artist").unwrap().doc, "");
}

/// Each column carries its field's Rust type as declared, for `dwh docs`.
#[test]
fn rust_types_reach_the_schema_model() {
    use dwh_core::StagingTable;
    let table = sparkify::StagingEvent::TABLE;
    assert_eq!(
        table.column("ts").unwrap().rust_type,
        "Option<NaiveDateTime>"
    );
    assert_eq!(table.column("status").unwrap().rust_type, "Option<i16>");
}
