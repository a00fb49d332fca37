//! Rendering of a type-2 dimension's load and checks, on hand-written tables.

use crate::schema::{Column, DistStyle, Fill, History, JsonField, Load, SqlType, Table, TableKind};
use crate::sql::checks::queries;
use crate::sql::{load_statements, Dialect};
use crate::Schema;

const EVENTS: Table = Table {
    columns: &[
        Column {
            json: Some(JsonField {
                key: "userId",
                epoch_millis: false,
            }),
            ..Column::new("user_id", SqlType::Integer)
        },
        Column {
            json: Some(JsonField {
                key: "plan",
                epoch_millis: false,
            }),
            ..Column::new("plan", SqlType::Varchar(8))
        },
        Column {
            json: Some(JsonField {
                key: "ts",
                epoch_millis: true,
            }),
            ..Column::new("ts", SqlType::Timestamp)
        },
    ],
    ..Table::new("staging_events", TableKind::Staging)
};

const ROLES: [Column; 3] = [
    Column {
        nullable: false,
        ..Column::new("valid_from", SqlType::Timestamp)
    },
    Column::new("valid_to", SqlType::Timestamp),
    Column {
        nullable: false,
        ..Column::new("is_current", SqlType::Boolean)
    },
];

const HISTORY: History = History {
    tracked: &["plan"],
    valid_from: "valid_from",
    valid_to: "valid_to",
    is_current: "is_current",
};

const LOAD: Load = Load {
    source: &EVENTS,
    filter: None,
    latest_by: Some("src.ts"),
    tie_break: Some("src.user_id"),
    lookups: &[],
};

/// Accounts: `plan` tracked, `seen` untracked.
const ACCOUNTS: Table = Table {
    columns: &[
        Column {
            nullable: false,
            fill: Fill::Column("user_id"),
            ..Column::new("user_id", SqlType::Integer)
        },
        Column {
            fill: Fill::Column("plan"),
            ..Column::new("plan", SqlType::Varchar(8))
        },
        Column {
            fill: Fill::Column("ts"),
            ..Column::new("seen", SqlType::Timestamp)
        },
        ROLES[0],
        ROLES[1],
        ROLES[2],
    ],
    dist_style: DistStyle::All,
    natural_key: &["user_id"],
    primary_key: &["user_id", "valid_from"],
    history: Some(HISTORY),
    load: Some(LOAD),
    ..Table::new("accounts", TableKind::Dimension)
};

/// Only tracked columns beside the key: no untracked update.
const PLANS: Table = Table {
    name: "plans",
    columns: &[
        ACCOUNTS.columns[0],
        ACCOUNTS.columns[1],
        ROLES[0],
        ROLES[1],
        ROLES[2],
    ],
    ..ACCOUNTS
};

fn statements(table: &Table, dialect: Dialect) -> Vec<String> {
    load_statements(table, dialect).unwrap().statements
}

#[test]
fn the_load_is_the_same_in_both_dialects_and_stays_in_the_transaction() {
    let redshift = statements(&ACCOUNTS, Dialect::Redshift);
    assert_eq!(redshift, statements(&ACCOUNTS, Dialect::Postgres));
    let heads: Vec<&str> = redshift
        .iter()
        .map(|s| s.split(' ').next().unwrap())
        .collect();
    assert_eq!(
        heads,
        [
            "DROP", "CREATE", "DROP", "CREATE", "UPDATE", "INSERT", "UPDATE", "DELETE", "INSERT",
            "DROP", "DROP"
        ]
    );
    assert!(redshift[1].starts_with("CREATE TEMP TABLE \"__dwh_batch_accounts\""));
    assert!(redshift[3].starts_with("CREATE TEMP TABLE \"__dwh_versions_accounts\""));
    for s in &redshift {
        for word in ["TRUNCATE", "MERGE", "IS DISTINCT", "DISTINCT ON"] {
            assert!(!s.contains(word), "{word} in {s}");
        }
    }
}

#[test]
fn the_batch_keeps_one_row_per_key_and_time_after_the_current_version() {
    let batch = &statements(&ACCOUNTS, Dialect::Redshift)[1];
    assert!(batch.contains(
        "ROW_NUMBER() OVER (PARTITION BY \"user_id\", __dwh_order \
         ORDER BY __dwh_tie DESC NULLS LAST, \"plan\" ASC NULLS LAST, \"seen\" ASC NULLS LAST)"
    ));
    // After the key's latest loaded time: the later of its recorded time
    // and its current version's start.
    assert!(batch.contains(
        "LEFT JOIN (SELECT c.\"user_id\", CASE WHEN s.\"__dwh_last_seen\" > c.\"valid_from\" \
         THEN s.\"__dwh_last_seen\" ELSE c.\"valid_from\" END AS \"__dwh_loaded_last\" \
         FROM \"accounts\" AS c LEFT JOIN \"dwh_last_seen_accounts\" AS s ON s.\"user_id\" = c.\"user_id\" \
         WHERE c.\"is_current\") AS c ON c.\"user_id\" = b.\"user_id\""
    ));
    assert!(batch.contains(
        "WHERE (c.\"__dwh_loaded_last\" IS NULL OR b.__dwh_order > c.\"__dwh_loaded_last\")"
    ));
    // Of a key's rows, only its first, its last and those that change a
    // tracked value are kept.
    assert!(batch.contains("LAG(\"plan\") OVER (PARTITION BY \"user_id\" ORDER BY __dwh_order)"));
    assert!(batch.ends_with(
        "AND (b.__dwh_prev_from IS NULL OR b.__dwh_next_from IS NULL \
         OR b.__dwh_prev_from <= c.\"__dwh_loaded_last\" OR (CASE WHEN RTRIM(b.\"plan\") = RTRIM(b.__dwh_prev_0) \
         OR (RTRIM(b.\"plan\") IS NULL AND RTRIM(b.__dwh_prev_0) IS NULL) THEN FALSE ELSE TRUE END))"
    ));
    // The history columns are not read from the source.
    assert!(!batch.contains("b.\"valid_from\""));
}

#[test]
fn a_version_starts_where_a_tracked_value_changes() {
    let versions = &statements(&ACCOUNTS, Dialect::Redshift)[3];
    assert!(
        versions.contains("LAG(\"plan\") OVER (PARTITION BY \"user_id\" ORDER BY \"__dwh_from\")")
    );
    assert!(versions.contains(
        "WHERE __dwh_seed = 0 AND (__dwh_prev_from IS NULL OR (CASE WHEN RTRIM(\"plan\") = RTRIM(__dwh_prev_0) \
         OR (RTRIM(\"plan\") IS NULL AND RTRIM(__dwh_prev_0) IS NULL) THEN FALSE ELSE TRUE END))"
    ));
    // `seen` is untracked: no LAG of it.
    assert!(!versions.contains("LAG(\"seen\")"));
}

#[test]
fn untracked_columns_are_type_1_on_every_version() {
    let update = &statements(&ACCOUNTS, Dialect::Redshift)[6];
    assert!(update.starts_with("UPDATE \"accounts\" SET \"seen\" = n.\"seen\"\n"));
    assert!(update.contains("ORDER BY \"__dwh_from\" DESC"));
    // Without untracked columns, no such update.
    let plans = statements(&PLANS, Dialect::Redshift);
    assert_eq!(plans.len(), 10);
    assert_eq!(plans.iter().filter(|s| s.starts_with("UPDATE")).count(), 1);
}

/// Accounts with a VARCHAR untracked column.
const NAMED: Table = Table {
    columns: &[
        ACCOUNTS.columns[0],
        ACCOUNTS.columns[1],
        Column {
            fill: Fill::Column("plan"),
            ..Column::new("first_name", SqlType::Varchar(8))
        },
        ACCOUNTS.columns[2],
        ROLES[0],
        ROLES[1],
        ROLES[2],
    ],
    ..ACCOUNTS
};

/// A VARCHAR untracked column compares without trailing blanks, as
/// Redshift compares: `'Ann'` to `'Ann '` writes nothing on either target.
#[test]
fn untracked_varchar_columns_compare_without_trailing_blanks() {
    let update = &statements(&NAMED, Dialect::Postgres)[6];
    assert!(update.ends_with(
        "WHERE \"accounts\".\"user_id\" = n.\"user_id\" AND (\
         CASE WHEN RTRIM(\"accounts\".\"first_name\") = RTRIM(n.\"first_name\") \
         OR (RTRIM(\"accounts\".\"first_name\") IS NULL AND RTRIM(n.\"first_name\") IS NULL) THEN FALSE ELSE TRUE END \
         OR CASE WHEN \"accounts\".\"seen\" = n.\"seen\" \
         OR (\"accounts\".\"seen\" IS NULL AND n.\"seen\" IS NULL) THEN FALSE ELSE TRUE END)"
    ), "{update}");
}

#[test]
fn each_key_of_the_batch_records_its_latest_time() {
    let load = statements(&ACCOUNTS, Dialect::Redshift);
    assert_eq!(
        load[7],
        "DELETE FROM \"dwh_last_seen_accounts\" USING \"__dwh_batch_accounts\" \
         WHERE \"dwh_last_seen_accounts\".\"user_id\" = \"__dwh_batch_accounts\".\"user_id\""
    );
    assert_eq!(
        load[8],
        "INSERT INTO \"dwh_last_seen_accounts\" (\"user_id\", \"__dwh_last_seen\")\n\
         SELECT \"user_id\", MAX(\"__dwh_from\") FROM \"__dwh_batch_accounts\" GROUP BY \"user_id\""
    );
}

#[test]
fn late_rows_that_change_a_history_are_listed_before_the_load() {
    let (create, late) = super::late_guard(&ACCOUNTS).unwrap();
    assert_eq!(
        create,
        "CREATE TABLE IF NOT EXISTS \"dwh_last_seen_accounts\" \
         (\"user_id\" INTEGER NOT NULL, \"__dwh_last_seen\" TIMESTAMP NOT NULL)"
    );
    // Rows up to the key's loaded time, in no version, or in one with
    // other tracked values, or at that time with other untracked values.
    assert!(late.contains(
        "LEFT JOIN \"accounts\" AS v ON v.\"user_id\" = r.\"user_id\" AND r.__dwh_order >= v.\"valid_from\" \
         AND (v.\"valid_to\" IS NULL OR r.__dwh_order < v.\"valid_to\")"
    ));
    assert!(late.contains(
        "WHERE r.__dwh_order <= l.\"__dwh_loaded_last\" AND (v.\"user_id\" IS NULL \
         OR CASE WHEN RTRIM(r.\"plan\") = RTRIM(v.\"plan\") OR (RTRIM(r.\"plan\") IS NULL AND RTRIM(v.\"plan\") IS NULL) \
         THEN FALSE ELSE TRUE END OR (r.__dwh_order = l.\"__dwh_loaded_last\" AND (CASE WHEN r.\"seen\" = v.\"seen\" \
         OR (r.\"seen\" IS NULL AND v.\"seen\" IS NULL) THEN FALSE ELSE TRUE END)))"
    ), "{late}");
    assert!(late.ends_with("ORDER BY __dwh_first, key\nLIMIT 10"));
    assert!(super::late_guard(&EVENTS).is_none());
}

#[test]
fn checks_replace_key_uniqueness_with_the_version_chain() {
    let schema = Schema::new([&EVENTS, &ACCOUNTS]).unwrap();
    let checks: Vec<String> = queries(&schema, 5).into_iter().map(|q| q.check).collect();
    assert_eq!(
        checks,
        [
            "one version per (user_id, valid_from)",
            "one current version per user_id",
            "versions of a user_id leave no gap and do not overlap",
            "its row count kept in dwh_row_counts is its rows",
            "every staging_events source row has a natural key and is loaded",
        ]
    );
}

/// The local engine indexes a type-2 dimension's versions by key and
/// `valid_from`, not uniquely (the check "one version per …" names
/// duplicates); Redshift has no indexes.
#[test]
fn versions_are_indexed_by_key_and_valid_from_on_postgres_only() {
    use crate::sql::ddl::key_index;
    insta::assert_snapshot!(key_index(&ACCOUNTS, Dialect::Postgres).unwrap(), @r#"DO $$ BEGIN IF to_regclass('"accounts_versions"') IS NULL THEN CREATE INDEX "accounts_versions" ON "accounts" ("user_id", "valid_from"); END IF; END $$"#);
    assert_eq!(key_index(&ACCOUNTS, Dialect::Redshift), None);
    assert!(
        crate::sql::checks::unique_index_proof(&ACCOUNTS).is_none(),
        "a type-2 dimension's key is not unique"
    );
}
