//! `dwh plan` on Redshift, without a cluster: catalog rows written from
//! the documented column lists and examples of PG_TABLE_DEF
//! (<https://docs.aws.amazon.com/redshift/latest/dg/r_PG_TABLE_DEF.html>:
//! `format_type` names, encoding `none` for RAW, sort key positions),
//! SVV_REDSHIFT_COLUMNS
//! (<https://docs.aws.amazon.com/redshift/latest/dg/r_SVV_REDSHIFT_COLUMNS.html>)
//! and PG_CLASS_INFO (<https://docs.aws.amazon.com/redshift/latest/dg/r_PG_CLASS_INFO.html>)
//! describe an old version of a table; the plan against the new struct is
//! snapshot, checked by the Redshift rules and parsed by sqlfluff. One case
//! per kind of change `dwh plan` handles.

use dwh_core::migrate::catalog;
use dwh_core::migrate::live::{assemble, GrantRow};
use dwh_core::migrate::plan::plan_table;
use dwh_core::migrate::{ColumnRow, LiveTable, Safety, TableAction, TablePlan, TableRow};
use dwh_core::schema::{Column, DistStyle, Encode, SortKey, SortStyle, SqlType, Table, TableKind};
use dwh_core::sql::{registry, Dialect};

use std::sync::LazyLock;

use regex::Regex;

use super::rules::{check_run, check_statement};
use super::sqlfluff;

/// A column as the catalog query returns it (see `dwh_core::migrate::catalog`).
fn col(name: &str, data_type: &str, nullable: bool, encoding: &str) -> ColumnRow {
    ColumnRow {
        table: "plays".into(),
        column: name.into(),
        data_type: data_type.into(),
        is_nullable: if nullable { "YES" } else { "NO" }.into(),
        encoding: Some(encoding.into()),
        distkey: false,
        sortkey: 0,
        column_default: None,
        remarks: None,
    }
}

fn distkey(mut c: ColumnRow) -> ColumnRow {
    c.distkey = true;
    c
}

fn sortkey(mut c: ColumnRow, position: i32) -> ColumnRow {
    c.sortkey = position;
    c
}

/// The old `plays`: KEY(user_id), COMPOUND SORTKEY(start_time), as it
/// would be live had the struct below without changes created it.
fn old_columns() -> Vec<ColumnRow> {
    vec![
        sortkey(
            col("start_time", "timestamp without time zone", false, "none"),
            1,
        ),
        distkey(col("user_id", "integer", false, "az64")),
        col("level", "character varying(8)", true, "lzo"),
        col("location", "character varying(64)", true, "zstd"),
    ]
}

/// PG_CLASS_INFO: 1 is DISTSTYLE KEY.
fn live(columns: Vec<ColumnRow>, diststyle: i32) -> LiveTable {
    live_with(columns, diststyle, &[])
}

fn live_with(columns: Vec<ColumnRow>, diststyle: i32, grants: &[GrantRow]) -> LiveTable {
    let tables = [TableRow {
        table: "plays".into(),
        diststyle: Some(diststyle),
        remarks: None,
    }];
    assemble(&tables, &columns, grants, Dialect::Redshift).remove(0)
}

const fn c(name: &'static str, ty: SqlType, encode: Encode) -> Column {
    Column {
        nullable: false,
        encode: Some(encode),
        ..Column::new(name, ty)
    }
}

const fn n(name: &'static str, ty: SqlType, encode: Encode) -> Column {
    Column {
        nullable: true,
        ..c(name, ty, encode)
    }
}

const START: Column = c("start_time", SqlType::Timestamp, Encode::Raw);
const USER: Column = c("user_id", SqlType::Integer, Encode::Az64);
const LEVEL: Column = n("level", SqlType::Varchar(8), Encode::Lzo);
const LOCATION: Column = n("location", SqlType::Varchar(64), Encode::Zstd);

/// The struct as the old rows describe it.
const PLAYS: Table = Table {
    name: "plays",
    rust_name: "Play",
    kind: TableKind::Fact,
    columns: &[START, USER, LEVEL, LOCATION],
    dist_style: DistStyle::Key,
    dist_key: Some("user_id"),
    sort_key: Some(SortKey {
        style: SortStyle::Compound,
        columns: &["start_time"],
    }),
    natural_key: &[],
    primary_key: &[],
    history: None,
    load: None,
    doc: "",
};

/// The plan of `table` against `live`, as a script with each step's
/// safety and transaction placement; checked by the Redshift rules.
fn script(live: &LiveTable, table: &'static Table) -> (TablePlan, String) {
    let plan = plan_table(live, table, Dialect::Redshift).expect("something to do");
    let out = render(live, &plan);
    (plan, out)
}

/// A table's plan as a script, checked by the statement and plan rules.
fn render(live: &LiveTable, plan: &TablePlan) -> String {
    let mut out = format!(
        "-- {:?}, {:?}: {}\n",
        plan.action,
        plan.safety,
        plan.changes.join("; ")
    );
    for step in &plan.steps {
        let place = if step.in_transaction {
            "in transaction"
        } else {
            "outside"
        };
        out.push_str(&format!("\n-- {:?}, {place}", step.safety));
        if let Some(note) = step.note {
            out.push_str(&format!(": {note}"));
        }
        out.push_str(&format!("\n{};\n", step.sql));
        let violations = check_statement(&step.sql, &step.sql);
        assert!(violations.is_empty(), "{violations:?}");
    }
    let statements: Vec<&str> = plan.steps.iter().map(|s| s.sql.as_str()).collect();
    let broken = plan_rules(live, &statements);
    assert!(broken.is_empty(), "{broken:?}");
    out
}

static ALTER_COLUMN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^ALTER TABLE "[^"]+" ALTER COLUMN "([^"]+)" (TYPE|ENCODE) "#).unwrap()
});
static ADD_WITH_DEFAULT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"^ALTER TABLE "[^"]+" ADD COLUMN .* DEFAULT "#).unwrap());
static BY_DEFAULT_SEED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^ GENERATED BY DEFAULT AS IDENTITY\((\d+), 1\)").unwrap());

/// Rules over a plan's statements that need what the catalog said of the
/// live table: the rules broken, each citing its page.
///
/// - "You can't alter columns with default values" (ALTER COLUMN … TYPE)
///   and "You can't alter the encoding for a column in a table with an
///   interleaved sortkey"
///   (<https://docs.aws.amazon.com/redshift/latest/dg/r_ALTER_TABLE.html>).
/// - A deep copy keeps the IDENTITY keys the facts point at: the INSERT
///   names each live IDENTITY column the new table has, which therefore
///   is `GENERATED BY DEFAULT AS IDENTITY` (plain `IDENTITY` takes no
///   explicit values), seeded past the largest key, since an explicit
///   value "doesn't affect the next generated value"
///   (<https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_TABLE_NEW.html>).
/// - No ADD COLUMN leaves a DEFAULT behind: COPY loads a column a record
///   lacks "with the value supplied by the DEFAULT option"
///   (<https://docs.aws.amazon.com/redshift/latest/dg/c_loading_default_values.html>)
///   where the local loader refuses the record, and ALTER TABLE has no
///   ALTER COLUMN … DROP DEFAULT to take it away again (r_ALTER_TABLE).
fn plan_rules(live: &LiveTable, statements: &[&str]) -> Vec<&'static str> {
    let interleaved = live
        .sort_key
        .as_ref()
        .is_some_and(|s| s.style == SortStyle::Interleaved);
    let mut broken = Vec::new();
    for sql in statements {
        if ADD_WITH_DEFAULT.is_match(sql) {
            broken.push("ADD COLUMN leaves a DEFAULT that COPY would fill from");
        }
        if let Some(c) = ALTER_COLUMN.captures(sql) {
            let defaulted = live.column(&c[1]).is_some_and(|c| c.default.is_some());
            match &c[2] {
                "TYPE" if defaulted => broken.push("ALTER COLUMN TYPE on a column with a default"),
                "ENCODE" if interleaved => {
                    broken.push("ALTER COLUMN ENCODE in an interleaved table")
                }
                _ => {}
            }
        }
    }
    broken.extend(identity_rules(live, statements));
    broken
}

/// The IDENTITY rules of [`plan_rules`], over a deep copy's CREATE TABLE
/// and INSERT of the new table: for each live IDENTITY column the new
/// table has.
fn identity_rules(live: &LiveTable, statements: &[&str]) -> Vec<&'static str> {
    let new = |verb: &str| {
        let head = format!("{verb} \"__dwh_new_");
        statements.iter().find(|s| s.starts_with(&head)).copied()
    };
    let (Some(create), insert) = (new("CREATE TABLE"), new("INSERT INTO")) else {
        return Vec::new();
    };
    let insert_columns = insert
        .and_then(|i| i.split(") SELECT").next())
        .unwrap_or("");
    let mut broken = Vec::new();
    for column in live.columns.iter().filter(|c| c.identity) {
        let head = format!("\"{}\" {}", column.name, column.type_name);
        let Some(at) = create.find(&head) else {
            continue;
        };
        if !insert_columns.contains(&format!("\"{}\"", column.name)) {
            broken.push("deep copy leaves an IDENTITY key out of its INSERT");
        }
        match BY_DEFAULT_SEED.captures(&create[at + head.len()..]) {
            None => broken.push("deep copy's IDENTITY takes no explicit keys"),
            Some(seed) if seed[1].parse::<i64>().ok() <= column.high => {
                broken.push("deep copy's IDENTITY seed not past the copied keys")
            }
            Some(_) => {}
        }
    }
    broken
}

fn snapshot(name: &str, text: &str) {
    insta::with_settings!({ snapshot_path => "../snapshots", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!(format!("migrate_redshift_{name}"), text);
    });
}

#[test]
fn the_old_rows_read_back_as_the_old_struct() {
    let live = live(old_columns(), 1);
    assert_eq!(live, LiveTable::declared(&PLAYS, Dialect::Redshift));
    assert!(plan_table(&live, &PLAYS, Dialect::Redshift).is_none());
}

static ADDED: Table = Table {
    columns: &[
        START,
        USER,
        LEVEL,
        LOCATION,
        c("session_id", SqlType::Integer, Encode::Az64),
        n("agent", SqlType::Varchar(256), Encode::Zstd),
    ],
    ..PLAYS
};

/// A NOT NULL column comes by a deep copy that fills the old rows with
/// the type's zero and leaves no DEFAULT (see `plan_rules`).
#[test]
fn a_not_null_column_is_added_by_a_deep_copy() {
    let (plan, text) = script(&live(old_columns(), 1), &ADDED);
    assert_eq!(plan.action, TableAction::DeepCopy);
    assert!(plan.steps.iter().all(|s| s.in_transaction));
    assert!(
        plan.steps.iter().all(|s| !s.sql.contains("DEFAULT")),
        "{text}"
    );
    snapshot("add_columns", &text);
}

static ADDED_NULLABLE: Table = Table {
    columns: &[
        START,
        USER,
        LEVEL,
        LOCATION,
        n("session_id", SqlType::Integer, Encode::Az64),
    ],
    ..PLAYS
};

/// A column that may be NULL is added in place.
#[test]
fn a_nullable_column_is_added_in_place() {
    let (plan, text) = script(&live(old_columns(), 1), &ADDED_NULLABLE);
    assert_eq!(plan.action, TableAction::Alter);
    assert_eq!(plan.safety, Safety::Safe);
    assert!(
        plan.steps.iter().all(|s| !s.sql.contains("DEFAULT")),
        "{text}"
    );
    snapshot("add_nullable_column", &text);
}

/// A DEFAULT an older `dwh migrate` left on a column is dropped by a deep
/// copy, the only way on Redshift.
#[test]
fn a_default_left_by_an_older_migrate_is_dropped_by_a_deep_copy() {
    let (plan, text) = script(&defaulted_live(), &DEFAULTED_AGENT);
    assert_eq!(plan.action, TableAction::DeepCopy);
    assert!(
        plan.steps.iter().all(|s| !s.sql.contains("DEFAULT")),
        "{text}"
    );
}

static DEFAULTED_AGENT: Table = Table {
    columns: &[
        START,
        USER,
        LEVEL,
        LOCATION,
        c("agent", SqlType::Varchar(64), Encode::Zstd),
    ],
    ..PLAYS
};

static WIDER: Table = Table {
    columns: &[
        START,
        USER,
        LEVEL,
        n("location", SqlType::Varchar(256), Encode::Zstd),
    ],
    ..PLAYS
};

#[test]
fn widen_a_varchar_outside_the_transaction() {
    let (plan, text) = script(&live(old_columns(), 1), &WIDER);
    assert_eq!(plan.action, TableAction::Alter);
    assert_eq!(plan.safety, Safety::Safe);
    assert!(!plan.steps[0].in_transaction);
    snapshot("widen_varchar", &text);
}

static EVEN: Table = Table {
    dist_style: DistStyle::Even,
    dist_key: None,
    ..PLAYS
};
static OTHER_KEY: Table = Table {
    dist_key: Some("start_time"),
    ..PLAYS
};

#[test]
fn change_diststyle_and_distkey() {
    let (_, even) = script(&live(old_columns(), 1), &EVEN);
    let (_, key) = script(&live(old_columns(), 1), &OTHER_KEY);
    snapshot("diststyle", &format!("{even}\n{key}"));
}

static LONGER_SORT: Table = Table {
    sort_key: Some(SortKey {
        style: SortStyle::Compound,
        columns: &["start_time", "user_id"],
    }),
    ..PLAYS
};
static NO_SORT: Table = Table {
    sort_key: None,
    ..PLAYS
};

#[test]
fn change_the_sort_key_or_drop_it() {
    let (_, longer) = script(&live(old_columns(), 1), &LONGER_SORT);
    let (_, none) = script(&live(old_columns(), 1), &NO_SORT);
    snapshot("sortkey", &format!("{longer}\n{none}"));
}

static REENCODED: Table = Table {
    columns: &[
        START,
        USER,
        n("level", SqlType::Varchar(8), Encode::Bytedict),
        LOCATION,
    ],
    ..PLAYS
};

#[test]
fn change_a_column_encoding() {
    let (plan, text) = script(&live(old_columns(), 1), &REENCODED);
    assert_eq!(plan.action, TableAction::Alter);
    snapshot("encode", &text);
}

#[test]
fn widen_a_sort_key_column_drops_the_sort_key_first() {
    let mut rows = old_columns();
    rows[2] = sortkey(rows[2].clone(), 2);
    static SORTED_LEVEL: Table = Table {
        sort_key: Some(SortKey {
            style: SortStyle::Compound,
            columns: &["start_time", "level"],
        }),
        columns: &[
            START,
            USER,
            n("level", SqlType::Varchar(16), Encode::Lzo),
            LOCATION,
        ],
        ..PLAYS
    };
    let (plan, text) = script(&live(rows, 1), &SORTED_LEVEL);
    let sql: Vec<&str> = plan.steps.iter().map(|s| s.sql.as_str()).collect();
    let none = sql.iter().position(|s| s.ends_with("ALTER SORTKEY NONE"));
    let retype = sql.iter().position(|s| s.contains("TYPE VARCHAR(16)"));
    let restore = sql.iter().position(|s| s.contains("COMPOUND SORTKEY"));
    assert!(none < retype && retype < restore, "{sql:#?}");
    snapshot("widen_sort_key_column", &text);
}

static BIGGER_SORT_COLUMN: Table = Table {
    columns: &[
        START,
        c("user_id", SqlType::BigInt, Encode::Az64),
        LEVEL,
        LOCATION,
    ],
    sort_key: Some(SortKey {
        style: SortStyle::Compound,
        columns: &["user_id"],
    }),
    ..PLAYS
};

/// dbt-labs/dbt-adapters#650: the type of a sort (here also dist) key
/// column changes. Redshift alters only VARCHAR widths, so the table is
/// rebuilt in one transaction: no ALTER on the key column at all.
#[test]
fn a_sort_key_column_changes_type_by_a_deep_copy() {
    let mut rows = old_columns();
    rows[0].sortkey = 0;
    rows[1] = sortkey(rows[1].clone(), 1);
    let grants = [GrantRow {
        table: "plays".into(),
        grantee: "GROUP \"analysts\"".into(),
        privilege: "select".into(),
    }];
    let (plan, text) = script(&live_with(rows, 1, &grants), &BIGGER_SORT_COLUMN);
    assert_eq!(plan.action, TableAction::DeepCopy);
    assert_eq!(plan.safety, Safety::Rewrite);
    assert!(plan.steps.iter().all(|s| s.in_transaction));
    snapshot("sort_key_column_type", &text);
}

static NARROWER: Table = Table {
    columns: &[
        START,
        USER,
        LEVEL,
        n("location", SqlType::Varchar(32), Encode::Zstd),
    ],
    ..PLAYS
};

#[test]
fn narrowing_is_a_destructive_deep_copy() {
    let (plan, text) = script(&live(old_columns(), 1), &NARROWER);
    assert_eq!(plan.action, TableAction::DeepCopy);
    assert_eq!(plan.safety, Safety::Destructive);
    snapshot("narrow", &text);
}

static INTERLEAVED: Table = Table {
    sort_key: Some(SortKey {
        style: SortStyle::Interleaved,
        columns: &["start_time", "user_id"],
    }),
    ..PLAYS
};

#[test]
fn an_interleaved_sort_key_is_a_deep_copy() {
    let (plan, text) = script(&live(old_columns(), 1), &INTERLEAVED);
    assert_eq!(plan.action, TableAction::DeepCopy);
    // And back: the live interleaved key (alternating signs) to compound.
    let mut rows = old_columns();
    rows[1] = sortkey(rows[1].clone(), -2);
    let back = plan_table(&live(rows, 1), &PLAYS, Dialect::Redshift).unwrap();
    assert_eq!(back.action, TableAction::DeepCopy);
    snapshot("interleaved", &text);
}

static DROPPED: Table = Table {
    columns: &[START, USER, LEVEL],
    ..PLAYS
};

#[test]
fn a_dropped_column_is_a_destructive_deep_copy() {
    let (plan, text) = script(&live(old_columns(), 1), &DROPPED);
    assert_eq!(plan.action, TableAction::DeepCopy);
    assert_eq!(plan.safety, Safety::Destructive);
    snapshot("drop_column", &text);
}

static DOCUMENTED: Table = Table {
    doc: "One play of a song.",
    columns: &[
        START,
        USER,
        Column {
            doc: "free or paid, as of the play",
            ..LEVEL
        },
        LOCATION,
    ],
    ..PLAYS
};

#[test]
fn doc_comments_become_comments() {
    let mut rows = old_columns();
    rows[3].remarks = Some("an old comment".into());
    let (plan, text) = script(&live(rows, 1), &DOCUMENTED);
    assert_eq!(plan.safety, Safety::Safe);
    assert!(plan.steps.iter().all(|s| s.sql.starts_with("COMMENT ON")));
    snapshot("comments", &text);
}

static WITH_IDENTITY: Table = Table {
    columns: &[
        Column {
            identity: true,
            ..c("play_id", SqlType::BigInt, Encode::Az64)
        },
        START,
        USER,
        LEVEL,
        n("location", SqlType::Varchar(32), Encode::Zstd),
    ],
    ..PLAYS
};

/// The old `plays` with an IDENTITY key whose largest value is 41207.
fn identity_live() -> LiveTable {
    let mut rows = old_columns();
    let mut id = col("play_id", "bigint", false, "az64");
    id.column_default = Some("\"identity\"(101507, 0, '0,1'::text)".into());
    rows.insert(0, id);
    let mut live = live(rows, 1);
    live.columns[0].high = Some(41_207);
    live
}

/// A deep copy keeps the IDENTITY keys the facts point at: the new table's
/// key is GENERATED BY DEFAULT (plain IDENTITY takes no explicit values),
/// seeded past the largest key (an explicit value does not move Redshift's
/// next generated one), and the INSERT copies it.
#[test]
fn a_deep_copy_of_an_identity_table_keeps_the_keys() {
    let (plan, text) = script(&identity_live(), &WITH_IDENTITY);
    assert_eq!(plan.action, TableAction::DeepCopy);
    assert_eq!(plan.safety, Safety::Destructive, "the narrowing");
    let insert = plan
        .steps
        .iter()
        .find(|s| s.sql.starts_with("INSERT"))
        .unwrap();
    assert_eq!(insert.safety, Safety::Rewrite, "no key changes");
    snapshot("identity_deep_copy", &text);
}

/// ADD COLUMN gave `agent` a DEFAULT, which Redshift keeps: its type
/// cannot be altered, so widening it rebuilds the table.
#[test]
fn a_column_with_a_default_is_widened_by_a_deep_copy() {
    let (plan, text) = script(&defaulted_live(), &WIDER_AGENT);
    assert_eq!(plan.action, TableAction::DeepCopy);
    assert!(plan.steps.iter().all(|s| s.in_transaction));
    snapshot("widen_column_with_default", &text);
}

/// The old `plays` with `agent` as `dwh migrate` added it: NOT NULL, DEFAULT ''.
fn defaulted_live() -> LiveTable {
    let mut rows = old_columns();
    let mut agent = col("agent", "character varying(64)", false, "zstd");
    agent.column_default = Some("''::character varying".into());
    rows.push(agent);
    live(rows, 1)
}

static WIDER_AGENT: Table = Table {
    columns: &[
        START,
        USER,
        LEVEL,
        LOCATION,
        c("agent", SqlType::Varchar(256), Encode::Zstd),
    ],
    ..PLAYS
};

static INTERLEAVED_REENCODED: Table = Table {
    columns: &[
        START,
        USER,
        n("level", SqlType::Varchar(8), Encode::Bytedict),
        LOCATION,
    ],
    ..INTERLEAVED
};

/// The old `plays` with INTERLEAVED SORTKEY (start_time, user_id).
fn interleaved_live() -> LiveTable {
    let mut rows = old_columns();
    rows[1] = sortkey(rows[1].clone(), -2);
    live(rows, 1)
}

/// An encoding cannot change in a table with an interleaved sort key.
#[test]
fn an_encoding_in_an_interleaved_table_is_a_deep_copy() {
    let (plan, text) = script(&interleaved_live(), &INTERLEAVED_REENCODED);
    assert_eq!(plan.action, TableAction::DeepCopy);
    snapshot("encode_interleaved", &text);
}

/// The plan rules reject what today's planner rendered, each from its case.
#[test]
fn the_plan_rules_reject_todays_bad_forms() {
    let widen = [r#"ALTER TABLE "plays" ALTER COLUMN "agent" TYPE VARCHAR(256)"#];
    assert_eq!(
        plan_rules(&defaulted_live(), &widen),
        ["ALTER COLUMN TYPE on a column with a default"]
    );
    let added =
        [r#"ALTER TABLE "plays" ADD COLUMN "agent" VARCHAR(256) DEFAULT '' ENCODE ZSTD NOT NULL"#];
    assert_eq!(
        plan_rules(&live(old_columns(), 1), &added),
        ["ADD COLUMN leaves a DEFAULT that COPY would fill from"]
    );
    let encode = [r#"ALTER TABLE "plays" ALTER COLUMN "level" ENCODE BYTEDICT"#];
    assert_eq!(
        plan_rules(&interleaved_live(), &encode),
        ["ALTER COLUMN ENCODE in an interleaved table"]
    );
    let renumbered = [
        "CREATE TABLE \"__dwh_new_plays\" (\n    \"play_id\" BIGINT IDENTITY(0, 1) NOT NULL ENCODE AZ64,\n    \"start_time\" TIMESTAMP NOT NULL ENCODE RAW\n)",
        r#"INSERT INTO "__dwh_new_plays" ("start_time") SELECT "start_time" FROM "plays""#,
    ];
    assert_eq!(
        plan_rules(&identity_live(), &renumbered),
        [
            "deep copy leaves an IDENTITY key out of its INSERT",
            "deep copy's IDENTITY takes no explicit keys"
        ]
    );
    let reseeded = [
        "CREATE TABLE \"__dwh_new_plays\" (\n    \"play_id\" BIGINT GENERATED BY DEFAULT AS IDENTITY(0, 1) NOT NULL\n)",
        r#"INSERT INTO "__dwh_new_plays" ("play_id") SELECT "play_id" FROM "plays""#,
    ];
    assert_eq!(
        plan_rules(&identity_live(), &reseeded),
        ["deep copy's IDENTITY seed not past the copied keys"]
    );
}

/// A fact's unmatched-rows table follows its staging source: the Sparkify
/// warehouse of an older `staging_events` (no `user_agent`, `location`
/// VARCHAR(64)) gets the same ADD COLUMN and ALTER TYPE on
/// `dwh_unmatched_songplays`, whose rows are the only copy of the late plays.
#[test]
fn the_unmatched_rows_follow_their_staging_table() {
    let schema = sparkify::schema();
    let songplays = schema.table("songplays").unwrap();
    let unmatched = dwh_core::migrate::unmatched::declaration(songplays).unwrap();
    let older = |table: &Table| {
        let mut live = LiveTable::declared(table, Dialect::Redshift);
        live.columns.retain(|c| c.name != "user_agent");
        let location = live
            .columns
            .iter_mut()
            .find(|c| c.name == "location")
            .unwrap();
        location.ty = Some(SqlType::Varchar(64));
        location.type_name = SqlType::Varchar(64).to_string();
        live
    };
    let mut live: Vec<LiveTable> = schema
        .tables()
        .iter()
        .map(|t| match t.name {
            "staging_events" => older(t),
            _ => LiveTable::declared(t, Dialect::Redshift),
        })
        .collect();
    live.push(older(&unmatched));
    let plan = dwh_core::migrate::plan(&schema, &live, Dialect::Redshift);
    let names: Vec<&str> = plan.tables.iter().map(|t| t.table).collect();
    assert_eq!(names, ["staging_events", "dwh_unmatched_songplays"]);
    let table = &plan.tables[1];
    assert_eq!(table.changes, plan.tables[0].changes);
    snapshot("unmatched", &render(&live[live.len() - 1], table));
}

/// Every statement of every case parses in sqlfluff's Redshift grammar.
#[test]
fn every_migration_statement_parses_in_sqlfluffs_redshift_grammar() {
    let mut sorted_level = old_columns();
    sorted_level[2] = sortkey(sorted_level[2].clone(), 2);
    let cases: [&'static Table; 10] = [
        &ADDED,
        &WIDER,
        &EVEN,
        &OTHER_KEY,
        &LONGER_SORT,
        &NO_SORT,
        &REENCODED,
        &NARROWER,
        &DROPPED,
        &DOCUMENTED,
    ];
    let mut statements = Vec::new();
    for table in cases
        .iter()
        .copied()
        .chain([&BIGGER_SORT_COLUMN, &INTERLEAVED])
    {
        let plan = plan_table(&live(old_columns(), 1), table, Dialect::Redshift).unwrap();
        for (i, step) in plan.steps.iter().enumerate() {
            statements.push((
                format!("{} step {i}", plan.changes.join("; ")),
                step.sql.clone(),
            ));
        }
    }
    statements.extend(catalog_queries());
    let scratch = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("redshift-lint-migrate");
    let failures = sqlfluff::unparsable(&statements, &scratch);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The queries that read the live schema on Redshift, for the tables of
/// the Sparkify example: the scope alone, then each catalog query with
/// the scope as literals.
fn catalog_queries() -> Vec<(String, String)> {
    let project = sparkify::project();
    let names: Vec<&str> = project.schema().tables().iter().map(|t| t.name).collect();
    let scope = catalog::Scope {
        schema: "public".into(),
        database: "dev".into(),
    };
    let queries = catalog::redshift_queries(&names, &scope);
    let mut out = vec![("scope".to_owned(), catalog::scope_query().to_owned())];
    out.extend(
        queries
            .labelled()
            .iter()
            .map(|(label, sql)| (label.to_string(), sql.to_string())),
    );
    out
}

/// `dwh migrate` on Redshift: the registry before `BEGIN` and the lock as
/// the transaction's first statement (what `Warehouse::begin` runs), then
/// the catalog reads and the in-transaction steps; the run rules hold.
#[test]
fn the_migrate_transaction_opens_with_the_lock() {
    let (plan, _) = script(&live(old_columns(), 1), &ADDED);
    let mut statements: Vec<(String, String)> = registry::before_redshift_transaction()
        .into_iter()
        .map(|sql| ("before BEGIN".to_owned(), sql))
        .collect();
    statements.push(("begin".into(), "BEGIN".into()));
    statements.push(("lock".into(), registry::lock_registry()));
    statements.extend(catalog_queries());
    for (i, step) in plan.steps.iter().filter(|s| s.in_transaction).enumerate() {
        statements.push((format!("step {i}"), step.sql.clone()));
    }
    statements.push(("commit".into(), "COMMIT".into()));
    let broken = check_run(&statements);
    assert!(broken.is_empty(), "{broken:?}");
}

#[test]
fn the_catalog_queries_snapshot() {
    let text: Vec<String> = catalog_queries()
        .into_iter()
        .map(|(label, sql)| {
            let violations = check_statement(&label, &sql);
            assert!(violations.is_empty(), "{violations:?}");
            format!("-- {label}\n{sql};\n")
        })
        .collect();
    snapshot("catalog_queries", &text.join("\n"));
}
