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
        ["DROP", "CREATE", "DROP", "CREATE", "UPDATE", "INSERT", "UPDATE", "DROP", "DROP"]
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
    assert!(batch.contains(
        "LEFT JOIN \"accounts\" AS c ON c.\"user_id\" = b.\"user_id\" AND c.\"is_current\""
    ));
    assert!(batch.contains("WHERE (c.\"valid_from\" IS NULL OR b.__dwh_order > c.\"valid_from\")"));
    // Of a key's rows, only its first, its last and those that change a
    // tracked value are kept.
    assert!(batch.contains("LAG(\"plan\") OVER (PARTITION BY \"user_id\" ORDER BY __dwh_order)"));
    assert!(batch.ends_with(
        "AND (b.__dwh_prev_from IS NULL OR b.__dwh_next_from IS NULL \
         OR b.__dwh_prev_from <= c.\"valid_from\" OR (CASE WHEN RTRIM(b.\"plan\") = RTRIM(b.__dwh_prev_0) \
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
    assert_eq!(plans.len(), 8);
    assert_eq!(plans.iter().filter(|s| s.starts_with("UPDATE")).count(), 1);
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
            "every staging_events source row has a natural key and is loaded",
        ]
    );
}
