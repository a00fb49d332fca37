//! The bad-input corpus (`tests/bad_input/`) against the real PostgreSQL
//! engine. Every case is loaded three ways: with the default policy (the
//! first bad record fails the load and the table keeps its old rows), with
//! one bad record too many allowed (fails the same way), and with exactly
//! as many as the case has (skipped into the rejects file, counted in the
//! report). Expected outcomes are written down here, from the files, not
//! taken from dwh.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use dwh_core::load::{LoadError, LoadOptions, LocalDir, Rejected, Source, StagingReport};
use dwh_core::schema::Table;
use dwh_core::{Schema, StagingTable, Warehouse, WarehouseError};
use dwh_tests::{fresh_warehouse, scratch, workspace};
use sparkify::{StagingEvent, StagingSong};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Target {
    Events,
    Songs,
    /// Types Sparkify's staging tables lack: BOOLEAN, BIGINT, DATE.
    Probe,
}

/// A staging table of its own for the types Sparkify does not stage.
#[derive(Debug, StagingTable)]
#[dwh(table = "staging_probe", diststyle = even)]
pub struct StagingProbe {
    pub id: Option<i32>,
    pub flag: Option<bool>,
    pub big: Option<i64>,
    pub day: Option<chrono::NaiveDate>,
}

impl Target {
    fn table(self) -> &'static Table {
        match self {
            Target::Events => &<StagingEvent as StagingTable>::TABLE,
            Target::Songs => &<StagingSong as StagingTable>::TABLE,
            Target::Probe => &<StagingProbe as StagingTable>::TABLE,
        }
    }

    fn dir(self) -> &'static str {
        match self {
            Target::Events => "events",
            Target::Songs => "songs",
            Target::Probe => "probe",
        }
    }

    /// A row that is there before each load: a failed load must keep it.
    fn sentinel(self) -> &'static str {
        match self {
            Target::Events => "INSERT INTO staging_events (artist) VALUES ('sentinel')",
            Target::Songs => "INSERT INTO staging_songs (song_id) VALUES ('sentinel')",
            Target::Probe => "INSERT INTO staging_probe (id) VALUES (-1)",
        }
    }
}

#[derive(Debug)]
enum Expect {
    /// Loads `rows` rows; each probe (a query returning one text value)
    /// returns the given text.
    Loads {
        rows: u64,
        probes: &'static [(&'static str, &'static str)],
    },
    /// `bad` bad records, the first at `file:line` (the `record`-th of its
    /// file), blamed on `column` (none for text that is not a record), with
    /// a reason containing `reason`; `good` rows load when they are skipped.
    Bad {
        file: &'static str,
        line: u64,
        record: u64,
        column: Option<&'static str>,
        reason: &'static str,
        bad: u64,
        good: u64,
    },
    /// No `*.json` file, and these files that are not sources: the
    /// listing refuses them by name (never skipped silently).
    Refused(&'static [&'static str]),
}

struct Case {
    target: Target,
    name: &'static str,
    expect: Expect,
}

const fn case(target: Target, name: &'static str, expect: Expect) -> Case {
    Case {
        target,
        name,
        expect,
    }
}

use Expect::{Bad, Loads, Refused};
use Target::{Events, Probe, Songs};

const USER_IDS: &str = "SELECT string_agg(user_id, ',' ORDER BY ts, user_id) FROM staging_events";

const CASES: &[Case] = &[
    case(
        Events,
        "valid",
        Loads {
            rows: 3,
            probes: &[(USER_IDS, "10,11,12")],
        },
    ),
    // CRLF line ends: no `\r` left in any value.
    case(
        Events,
        "crlf",
        Loads {
            rows: 3,
            probes: &[
                (USER_IDS, "10,11,12"),
                (
                    "SELECT count(*)::text FROM staging_events WHERE user_agent LIKE '%' || chr(13) || '%'",
                    "0",
                ),
            ],
        },
    ),
    case(
        Events,
        "crlf_bad_line",
        Bad {
            file: "events.json",
            line: 2,
            record: 2,
            column: None,
            reason: "invalid JSON",
            bad: 1,
            good: 2,
        },
    ),
    case(
        Events,
        "bom",
        Loads {
            rows: 2,
            probes: &[(USER_IDS, "10,11")],
        },
    ),
    case(
        Events,
        "truncated_line",
        Bad {
            file: "events.json",
            line: 2,
            record: 2,
            column: None,
            reason: "invalid JSON",
            bad: 1,
            good: 2,
        },
    ),
    case(
        Events,
        "truncated_at_eof",
        Bad {
            file: "events.json",
            line: 3,
            record: 3,
            column: None,
            reason: "the file ends inside this record",
            bad: 1,
            good: 2,
        },
    ),
    case(
        Events,
        "invalid_utf8",
        Bad {
            file: "events.json",
            line: 2,
            record: 2,
            column: None,
            reason: "invalid UTF-8 (byte 0xE3 on line 2)",
            bad: 1,
            good: 2,
        },
    ),
    // Redshift loads a JSON number into a VARCHAR as its text.
    case(
        Events,
        "number_for_string",
        Loads {
            rows: 2,
            probes: &[(
                "SELECT user_id || '|' || first_name || '|' || last_name FROM staging_events ORDER BY ts LIMIT 1",
                "42|7|1.5",
            )],
        },
    ),
    // ...and a numeric string into a number column as the number.
    case(
        Events,
        "string_for_number",
        Loads {
            rows: 1,
            probes: &[(
                "SELECT concat_ws('|', item_in_session, length, status, session_id, ts, registration) FROM staging_events",
                "3|215.5|200|38|2018-11-01 20:57:10.796|1540919166796",
            )],
        },
    ),
    case(
        Events,
        "non_numeric_string_for_number",
        Bad {
            file: "events.json",
            line: 2,
            record: 2,
            column: Some("item_in_session"),
            reason: "expected an integer, found string \"three\"",
            bad: 1,
            good: 1,
        },
    ),
    // A missing key is NULL.
    case(
        Events,
        "missing_keys",
        Loads {
            rows: 2,
            probes: &[(
                "SELECT count(*)::text FROM staging_events WHERE page = 'Home' AND user_id IS NULL AND artist IS NULL AND session_id IS NULL AND ts IS NOT NULL",
                "1",
            )],
        },
    ),
    // Extra keys, nested or not, are ignored; `sessionID` is not `sessionId`.
    case(
        Events,
        "extra_keys",
        Loads {
            rows: 2,
            probes: &[(
                "SELECT string_agg(session_id::text, ',') FROM staging_events",
                "818,818",
            )],
        },
    ),
    case(
        Events,
        "empty_files",
        Loads {
            rows: 2,
            probes: &[(USER_IDS, "10,11")],
        },
    ),
    case(
        Events,
        "only_empty_files",
        Loads {
            rows: 0,
            probes: &[],
        },
    ),
    // VARCHAR lengths are bytes: "éééé" is 8 and fits VARCHAR(8).
    case(
        Events,
        "varchar_too_long",
        Bad {
            file: "events.json",
            line: 2,
            record: 2,
            column: Some("gender"),
            reason: "value is 10 bytes, longer than the column's VARCHAR(8)",
            bad: 2,
            good: 2,
        },
    ),
    case(Events, "no_json", Refused(&["README.txt", "events.csv"])),
    case(
        Events,
        "not_an_object",
        Bad {
            file: "events.json",
            line: 1,
            record: 1,
            column: None,
            // Each element of a top-level array counts (here, one).
            reason: "a top-level JSON array of 1 record, all skipped",
            bad: 4,
            good: 1,
        },
    ),
    case(
        Events,
        "out_of_range",
        Bad {
            file: "events.json",
            line: 1,
            record: 1,
            column: Some("status"),
            reason: "70000 is out of range for SMALLINT",
            bad: 2,
            good: 1,
        },
    ),
    // An object or array loads into a VARCHAR as its JSON text (compact,
    // keys in source order; Redshift documents the text, not its spacing):
    // https://docs.aws.amazon.com/redshift/latest/dg/copy-usage_notes-copy-from-json.html
    case(
        Events,
        "nested_value",
        Loads {
            rows: 2,
            probes: &[(
                "SELECT string_agg(artist, ',' ORDER BY user_id) FROM staging_events",
                "{\"name\":\"Elena\"},Elena",
            )],
        },
    ),
    // ...and into any other column is a bad record.
    case(
        Events,
        "nested_for_number",
        Bad {
            file: "events.json",
            line: 2,
            record: 2,
            column: Some("session_id"),
            reason: "expected an integer, found a nested object or array",
            bad: 1,
            good: 1,
        },
    ),
    case(
        Events,
        "nul_character",
        Bad {
            file: "events.json",
            line: 2,
            record: 2,
            column: Some("song"),
            reason: "NUL character",
            bad: 1,
            good: 1,
        },
    ),
    // SQL in values stays data: binary COPY has no SQL text to break out of.
    case(
        Events,
        "hostile_strings",
        Loads {
            rows: 1,
            probes: &[
                (
                    "SELECT artist FROM staging_events",
                    "x'; DROP TABLE users; --",
                ),
                (
                    "SELECT song FROM staging_events",
                    "Robert'); DROP TABLE staging_events;--",
                ),
                (
                    "SELECT location FROM staging_events",
                    "C:\\temp\\\"quoted\" $$ \\x27",
                ),
                (
                    "SELECT first_name || '|' || last_name FROM staging_events",
                    "$$ LANGUAGE plpgsql $$|🎵 Ünïcödé",
                ),
            ],
        },
    ),
    case(
        Events,
        "garbage_line",
        Bad {
            file: "events.json",
            line: 1,
            record: 1,
            column: None,
            reason: "invalid JSON",
            bad: 1,
            good: 1,
        },
    ),
    case(
        Events,
        "bad_epoch",
        Bad {
            file: "events.json",
            line: 2,
            record: 2,
            column: Some("ts"),
            reason: "expected epoch milliseconds, found string \"yesterday\"",
            bad: 1,
            good: 1,
        },
    ),
    case(
        Events,
        "several_per_line",
        Loads {
            rows: 3,
            probes: &[(USER_IDS, "10,11,12")],
        },
    ),
    case(
        Songs,
        "pretty_printed",
        Loads {
            rows: 3,
            probes: &[(
                "SELECT string_agg(song_id, ',' ORDER BY song_id) FROM staging_songs",
                "SOA,SOB,SOC",
            )],
        },
    ),
    // The rest of the file is inside the cut-off object: one bad record,
    // not one per remaining line.
    case(
        Songs,
        "truncated_pretty",
        Bad {
            file: "truncated_pretty/a.json",
            line: 1,
            record: 1,
            column: None,
            reason: "the file ends inside this record",
            bad: 1,
            good: 1,
        },
    ),
    // A syntax error inside a pretty-printed object: the reader picks up
    // again at the next object, which loads.
    case(
        Songs,
        "broken_pretty_then_good",
        Bad {
            file: "a.json",
            line: 1,
            record: 1,
            column: None,
            reason: "lines 1 to 12 were skipped",
            bad: 1,
            good: 1,
        },
    ),
    case(
        Songs,
        "wrong_types",
        Bad {
            file: "wrong_types/b.json",
            line: 1,
            record: 1,
            column: Some("year"),
            reason: "expected an integer, found string \"nineteen\"",
            bad: 1,
            good: 1,
        },
    ),
    // --- Redshift COPY parity: one case per row of README's table. ---
    // "Empty fields for other data types, such as INT, are always loaded
    // with NULL", and so are blank ones (BLANKSASNULL):
    // https://docs.aws.amazon.com/redshift/latest/dg/copy-parameters-data-conversion.html
    case(
        Events,
        "empty_string_for_number",
        Loads {
            rows: 2,
            probes: &[(
                "SELECT string_agg(user_id || ':' || (item_in_session IS NULL)::text || (session_id IS NULL)::text || (length IS NULL)::text || (registration IS NULL)::text || (status IS NULL)::text || (ts IS NULL)::text, ',' ORDER BY user_id) FROM staging_events",
                "10:truetruetruetruetruefalse,11:falsefalsefalsefalsefalsetrue",
            )],
        },
    ),
    // An integer column takes digits only (load error 1207, "a value
    // outside of the expected range of 0-9"): `200.0` and `2e2` are bad.
    case(
        Events,
        "decimal_for_integer",
        Bad {
            file: "events.json",
            line: 1,
            record: 1,
            column: Some("status"),
            reason: "200.0 is not an integer",
            bad: 2,
            good: 1,
        },
    ),
    // Numeric strings are digits only too: no padding (docs silent: strict).
    case(
        Events,
        "padded_number_string",
        Bad {
            file: "events.json",
            line: 2,
            record: 2,
            column: Some("session_id"),
            reason: "expected an integer, found string \" 38 \"",
            bad: 1,
            good: 1,
        },
    ),
    // JSON escapes decode as JSON defines them (`\n`, `\t`, `\\` are
    // documented; `\u` and `\/` are JSON's and in the real sample data).
    case(
        Events,
        "json_escapes",
        Loads {
            rows: 1,
            probes: &[
                ("SELECT artist FROM staging_events", "Beyoncé 🎵"),
                ("SELECT user_agent FROM staging_events", "Mozilla/5.0"),
                ("SELECT song FROM staging_events", "a\\b\"c\td\ne"),
            ],
        },
    ),
    // Half a UTF-16 surrogate pair is no character (docs silent: strict).
    case(
        Events,
        "lone_surrogate",
        Bad {
            file: "events.json",
            line: 2,
            record: 2,
            column: None,
            reason: "unexpected end of hex escape",
            bad: 1,
            good: 1,
        },
    ),
    // Too long only by trailing blanks: truncated, not an error.
    // https://docs.aws.amazon.com/redshift/latest/dg/r_Character_types.html
    case(
        Events,
        "varchar_trailing_blanks",
        Loads {
            rows: 2,
            probes: &[(
                "SELECT string_agg(gender || '|', ',' ORDER BY user_id) FROM staging_events",
                "F       |,éééé|",
            )],
        },
    ),
    // BOOLEAN takes exactly the documented literals, and JSON 1 and 0.
    // https://docs.aws.amazon.com/redshift/latest/dg/r_Boolean_type.html
    case(
        Probe,
        "booleans",
        Loads {
            rows: 15,
            probes: &[(
                "SELECT string_agg(coalesce(flag::text, 'null'), ',' ORDER BY id) FROM staging_probe",
                "true,true,true,true,true,true,true,false,false,false,false,false,false,false,null",
            )],
        },
    ),
    case(
        Probe,
        "boolean_bad_strings",
        Bad {
            file: "probe.json",
            line: 2,
            record: 2,
            column: Some("flag"),
            reason: "expected a boolean, found string \"True\"",
            bad: 3,
            good: 1,
        },
    ),
    case(
        Probe,
        "bigint_overflow",
        Bad {
            file: "probe.json",
            line: 2,
            record: 2,
            column: Some("big"),
            reason: "9223372036854775808 is out of range for BIGINT",
            bad: 2,
            good: 1,
        },
    ),
    case(
        Probe,
        "blank_date",
        Loads {
            rows: 2,
            probes: &[(
                "SELECT string_agg(coalesce(day::text, 'null'), ',' ORDER BY id) FROM staging_probe",
                "2018-11-01,null",
            )],
        },
    ),
];

fn corpus() -> PathBuf {
    workspace().join("tests/bad_input")
}

fn source(case: &Case) -> Arc<dyn Source> {
    Arc::new(LocalDir::new(
        corpus().join(case.target.dir()).join(case.name),
    ))
}

async fn text(warehouse: &Warehouse, sql: &str) -> String {
    let row = warehouse.client().query_one(sql, &[]).await.unwrap();
    row.get::<_, Option<String>>(0).unwrap_or_default()
}

async fn rows(warehouse: &Warehouse, table: &Table) -> u64 {
    warehouse.row_count(table).await.unwrap()
}

/// Empties the table and puts the sentinel row in.
async fn reset(warehouse: &Warehouse, target: Target) {
    let sql = format!("TRUNCATE {}; {}", target.table().name, target.sentinel());
    warehouse.client().batch_execute(&sql).await.unwrap();
}

async fn load(
    warehouse: &mut Warehouse,
    case: &Case,
    options: &LoadOptions,
) -> Result<StagingReport, WarehouseError> {
    let sources = vec![(case.target.table(), source(case))];
    dwh_tests::load_staging(warehouse, sources, options.clone())
        .await
        .map(|mut reports| reports.remove(0))
}

/// Failures are collected, so one run shows every case that is off.
#[derive(Default)]
struct Failures(Vec<String>);

impl Failures {
    fn check(&mut self, case: &Case, ok: bool, what: impl FnOnce() -> String) {
        if !ok {
            self.0
                .push(format!("{}/{}: {}", case.target.dir(), case.name, what()));
        }
    }
}

fn matches_first(rejected: &Rejected, expect: &Expect) -> bool {
    let Bad {
        file,
        line,
        record,
        column,
        reason,
        ..
    } = expect
    else {
        return false;
    };
    Path::new(&rejected.file).ends_with(file)
        && rejected.line == *line
        && rejected.record == *record
        && rejected.column == *column
        && rejected.reason.contains(reason)
}

#[tokio::test]
async fn every_corpus_case_has_its_expected_outcome() {
    let (mut warehouse, _) = fresh_warehouse("bad_input_corpus").await;
    warehouse.create_tables(&sparkify::schema()).await.unwrap();
    let probe = Schema::new([Probe.table()]).unwrap();
    warehouse.create_tables(&probe).await.unwrap();
    let rejects_dir = scratch("bad_input_rejects");
    let mut failures = Failures::default();
    for case in CASES {
        let rejects = rejects_dir.join(format!("{}-{}.jsonl", case.target.dir(), case.name));
        reset(&warehouse, case.target).await;
        let strict = load(&mut warehouse, case, &LoadOptions::default()).await;
        match &case.expect {
            Loads { rows: want, probes } => {
                check_loads(&warehouse, &mut failures, case, strict, *want, probes).await;
            }
            Refused(files) => check_refused(&warehouse, &mut failures, case, files, &strict).await,
            expect @ Bad { bad, good, .. } => {
                // 1. Default policy: the first bad record fails the load.
                check_first_bad_record_fails(&warehouse, &mut failures, case, expect, &strict)
                    .await;
                // 2. One bad record too many: fails, and nothing changes.
                if *bad > 1 {
                    check_one_too_many_fails(&mut warehouse, &mut failures, case, *bad, &rejects)
                        .await;
                }
                // 3. Exactly as many allowed: skipped, written, counted.
                check_exactly_as_many_are_skipped(
                    &mut warehouse,
                    &mut failures,
                    case,
                    *bad,
                    *good,
                    &rejects,
                )
                .await;
            }
        }
    }
    assert!(
        failures.0.is_empty(),
        "{} corpus mismatches:\n{}",
        failures.0.len(),
        failures.0.join("\n")
    );
}

/// A `Loads` case: the strict load succeeds with `want` rows and no
/// rejects, stores them, and every probe returns its text.
async fn check_loads(
    warehouse: &Warehouse,
    failures: &mut Failures,
    case: &Case,
    strict: Result<StagingReport, WarehouseError>,
    want: u64,
    probes: &[(&str, &str)],
) {
    failures.check(case, strict.is_ok(), || format!("failed: {strict:?}"));
    let Ok(report) = strict else { return };
    failures.check(case, report.rows == want && report.rejected == 0, || {
        format!(
            "loaded {} rows, {} rejected; want {want}",
            report.rows, report.rejected
        )
    });
    let stored = rows(warehouse, case.target.table()).await;
    failures.check(case, stored == want, || format!("{stored} rows stored"));
    for (sql, value) in probes {
        let got = text(warehouse, sql).await;
        failures.check(case, got == *value, || {
            format!("{sql}\n  gave {got:?}\n  want {value:?}")
        });
    }
}

/// A `Refused` case: the listing fails naming each file, and the table
/// keeps its sentinel row.
async fn check_refused(
    warehouse: &Warehouse,
    failures: &mut Failures,
    case: &Case,
    files: &[&str],
    strict: &Result<StagingReport, WarehouseError>,
) {
    let ok = match strict {
        Err(WarehouseError::Load(e @ LoadError::List { .. })) => {
            let message = e.to_string();
            files.iter().all(|f| message.contains(&format!("{f}: ")))
        }
        _ => false,
    };
    failures.check(case, ok, || {
        format!("want {files:?} refused, got {strict:?}")
    });
    let stored = rows(warehouse, case.target.table()).await;
    failures.check(case, stored == 1, || {
        format!("{stored} rows after the error")
    });
}

/// Default policy: the first bad record fails the load, is the one
/// `expect` describes, and the table keeps its sentinel row.
async fn check_first_bad_record_fails(
    warehouse: &Warehouse,
    failures: &mut Failures,
    case: &Case,
    expect: &Expect,
    strict: &Result<StagingReport, WarehouseError>,
) {
    match strict {
        Err(WarehouseError::Load(LoadError::BadRecord { rejected, .. })) => {
            failures.check(case, matches_first(rejected, expect), || {
                format!("first bad record: {rejected:#?}\n  want {expect:?}")
            });
        }
        other => failures.check(case, false, || format!("want BadRecord, got {other:?}")),
    }
    let stored = rows(warehouse, case.target.table()).await;
    failures.check(case, stored == 1, || {
        format!("{stored} rows after a failed load")
    });
}

/// One bad record too many (`bad - 1` allowed): fails, and nothing changes.
async fn check_one_too_many_fails(
    warehouse: &mut Warehouse,
    failures: &mut Failures,
    case: &Case,
    bad: u64,
    rejects: &Path,
) {
    let options = LoadOptions {
        max_errors: bad - 1,
        rejects: Some(rejects.to_owned()),
    };
    let over = load(warehouse, case, &options).await;
    let ok = matches!(
        &over,
        Err(WarehouseError::Load(LoadError::TooManyBadRecords { max, .. })) if max == &(bad - 1)
    );
    failures.check(case, ok, || format!("want TooManyBadRecords, got {over:?}"));
    let stored = rows(warehouse, case.target.table()).await;
    failures.check(case, stored == 1, || {
        format!("{stored} rows after too many")
    });
}

/// Exactly as many allowed as there are `bad`: they are skipped, written
/// to the rejects file and counted, and the `good` rows are stored.
async fn check_exactly_as_many_are_skipped(
    warehouse: &mut Warehouse,
    failures: &mut Failures,
    case: &Case,
    bad: u64,
    good: u64,
    rejects: &Path,
) {
    let options = LoadOptions {
        max_errors: bad,
        rejects: Some(rejects.to_owned()),
    };
    match load(warehouse, case, &options).await {
        Ok(report) => {
            failures.check(case, report.rows == good && report.rejected == bad, || {
                format!(
                    "{} rows, {} rejected; want {good}, {bad}",
                    report.rows, report.rejected
                )
            });
            let stored = rows(warehouse, case.target.table()).await;
            failures.check(case, stored == good, || format!("{stored} rows stored"));
            check_rejects_file(failures, case, &report, bad);
        }
        Err(e) => failures.check(case, false, || format!("with --max-errors {bad}: {e}")),
    }
}

/// The rejects file has one JSON line per skipped record, the first one
/// describing the expected first bad record.
fn check_rejects_file(failures: &mut Failures, case: &Case, report: &StagingReport, bad: u64) {
    let Some(path) = &report.rejects_file else {
        return failures.check(case, false, || "no rejects file in the report".into());
    };
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("rejects lines are JSON"))
        .collect();
    failures.check(case, lines.len() as u64 == bad, || {
        format!("{} lines in {}, want {bad}", lines.len(), path.display())
    });
    let Some(first) = lines.first() else { return };
    let rejected = Rejected {
        file: first["file"].as_str().unwrap_or_default().to_owned(),
        line: first["line"].as_u64().unwrap_or_default(),
        record: first["record"].as_u64().unwrap_or_default(),
        column: first["column"]
            .as_str()
            .and_then(|c| case.target.table().column(c))
            .map(|c| c.name),
        field: None,
        reason: first["reason"].as_str().unwrap_or_default().to_owned(),
    };
    failures.check(case, first["table"] == case.target.table().name, || {
        format!("rejects line names table {}", first["table"])
    });
    failures.check(case, matches_first(&rejected, &case.expect), || {
        format!("first rejects line {first}\n  want {:?}", case.expect)
    });
    if let Bad {
        column: Some(column),
        ..
    } = case.expect
    {
        let field = case.target.table().column(column).map(|c| c.field);
        failures.check(case, first["field"].as_str() == field, || {
            format!("rejects line names field {}", first["field"])
        });
    }
}

#[test]
fn the_corpus_and_the_cases_match() {
    let mut on_disk = Vec::new();
    for target in ["events", "songs", "probe"] {
        for entry in std::fs::read_dir(corpus().join(target)).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            on_disk.push(format!("{target}/{name}"));
        }
    }
    on_disk.sort();
    let mut listed: Vec<String> = CASES
        .iter()
        .map(|c| format!("{}/{}", c.target.dir(), c.name))
        .collect();
    listed.sort();
    assert_eq!(
        on_disk, listed,
        "every corpus directory needs a case, and every case a directory"
    );
}

#[tokio::test]
async fn skipping_needs_a_rejects_file_and_a_clean_load_keeps_earlier_ones() {
    let (mut warehouse, _) = fresh_warehouse("bad_input_policy").await;
    warehouse.create_tables(&sparkify::schema()).await.unwrap();
    let case = CASES.iter().find(|c| c.name == "truncated_line").unwrap();

    // Skipping without a place to write the skipped records is refused.
    let silent = LoadOptions {
        max_errors: 5,
        rejects: None,
    };
    let err = load(&mut warehouse, case, &silent).await.unwrap_err();
    assert!(
        matches!(err, WarehouseError::Load(LoadError::NoRejectsFile(5))),
        "{err}"
    );
    assert!(err.to_string().contains("never skipped silently"), "{err}");

    // A rejects file from an earlier run may be the only copy of the
    // records it lists: a clean load keeps it, and its report names no
    // rejects file (one file per table).
    let dir = scratch("bad_input_policy");
    let stale = dir.join("rejects.staging_events.jsonl");
    std::fs::write(&stale, "{\"stale\": true}\n").unwrap();
    let valid = CASES.iter().find(|c| c.name == "valid").unwrap();
    let options = LoadOptions {
        max_errors: 1,
        rejects: Some(dir.join("rejects.jsonl")),
    };
    let report = load(&mut warehouse, valid, &options).await.unwrap();
    assert_eq!((report.rows, report.rejected), (3, 0));
    assert_eq!(report.rejects_file, None);
    assert_eq!(
        std::fs::read_to_string(&stale).unwrap(),
        "{\"stale\": true}\n",
        "an earlier rejects file is kept by a clean load"
    );

    // The same path with a bad record: the per-table file holds it.
    let report = load(&mut warehouse, case, &options).await.unwrap();
    assert_eq!((report.rows, report.rejected), (2, 1));
    assert_eq!(report.rejects_file.as_deref(), Some(stale.as_path()));
    let written = std::fs::read_to_string(&stale).unwrap();
    assert_eq!(written.lines().count(), 1, "{written}");
    assert!(written.contains("\"line\":2"), "{written}");
}

#[tokio::test]
async fn bad_record_errors_say_where_and_what_to_do() {
    let (mut warehouse, _) = fresh_warehouse("bad_input_messages").await;
    warehouse.create_tables(&sparkify::schema()).await.unwrap();
    let case = CASES.iter().find(|c| c.name == "varchar_too_long").unwrap();
    let message = load(&mut warehouse, case, &LoadOptions::default())
        .await
        .unwrap_err()
        .to_string();
    let file = corpus().join("events/varchar_too_long/events.json");
    for part in [
        "bad record in `staging_events`",
        &format!("{}:2 (record 2)", file.display()),
        "column `gender` (field `gender`)",
        "value is 10 bytes, longer than the column's VARCHAR(8)",
        "nothing was loaded",
        "--max-errors N",
    ] {
        assert!(message.contains(part), "{part:?} missing from:\n{message}");
    }

    let none = CASES.iter().find(|c| c.name == "no_json").unwrap();
    let message = load(&mut warehouse, none, &LoadOptions::default())
        .await
        .unwrap_err()
        .to_string();
    let dir = corpus().join("events/no_json");
    for part in [
        format!("cannot list the source files of {}", dir.display()),
        "2 files would be left out or cannot be loaded".into(),
        format!(
            "{}: its name matches neither",
            dir.join("events.csv").display()
        ),
        format!(
            "{}: its name matches neither",
            dir.join("README.txt").display()
        ),
    ] {
        assert!(message.contains(&part), "{part:?} missing from:\n{message}");
    }
}
