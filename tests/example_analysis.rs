//! The downstream typed queries of `examples/analysis`, run on the real
//! sample warehouse and compared with answers computed here from the raw
//! JSON; and what a downstream struct that does not fit the query is told.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, NaiveDateTime, Timelike};
use dwh_core::{Row, Warehouse, WarehouseError};
use dwh_example_analysis as analysis;
use dwh_tests::{sample_data, sample_warehouse};
use serde_json::Value;

/// One `NextSong` event of the raw logs.
struct Play {
    user_id: i32,
    level: String,
    session_id: i32,
    ts: NaiveDateTime,
    first_name: Option<String>,
    last_name: Option<String>,
}

/// Every play in the JSON-lines files below `log_data/`.
fn plays(dir: &Path) -> Vec<Play> {
    let mut out = Vec::new();
    let mut stack = vec![dir.join("log_data")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for event in serde_json::Deserializer::from_str(&text).into_iter::<Value>() {
                let e = event.unwrap();
                if e["page"] != "NextSong" {
                    continue;
                }
                let text = |k: &str| e[k].as_str().map(str::to_owned);
                out.push(Play {
                    user_id: e["userId"].as_str().unwrap().parse().unwrap(),
                    level: text("level").unwrap(),
                    session_id: e["sessionId"].as_i64().unwrap() as i32,
                    ts: DateTime::from_timestamp_millis(e["ts"].as_i64().unwrap())
                        .unwrap()
                        .naive_utc(),
                    first_name: text("firstName"),
                    last_name: text("lastName"),
                });
            }
        }
    }
    assert!(!out.is_empty(), "no plays under {}", dir.display());
    out
}

/// Counts of `key` over `plays`.
fn count_by<K: Ord>(plays: &[&Play], key: impl Fn(&Play) -> K) -> BTreeMap<K, i64> {
    let mut out = BTreeMap::new();
    for p in plays {
        *out.entry(key(p)).or_default() += 1;
    }
    out
}

/// Most first, ties by key; at most `limit`.
fn ranked<K: Ord + Copy>(counts: &BTreeMap<K, i64>, limit: usize) -> Vec<(K, i64)> {
    let mut out: Vec<(K, i64)> = counts.iter().map(|(k, v)| (*k, *v)).collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    out.truncate(limit);
    out
}

#[tokio::test]
async fn typed_queries_match_answers_from_the_raw_files() {
    dwh_tests::require_sample!();
    let raw = plays(&sample_data());
    let all: Vec<&Play> = raw.iter().collect();
    let warehouse = sample_warehouse("example_analysis").await;

    plays_by_level_match(&warehouse, &all).await;
    top_users_in_hours_match(&warehouse, &all).await;
    let heaviest = heavy_listeners_match(&warehouse, &all).await;
    sessions_of_user_match(&warehouse, &all, heaviest).await;
}

/// Plays by level, for a user who played at both levels and for one
/// who never played.
async fn plays_by_level_match(warehouse: &Warehouse, all: &[&Play]) {
    let levels_of = |user: i32| {
        let mine: Vec<&Play> = all.iter().copied().filter(|p| p.user_id == user).collect();
        count_by(&mine, |p| p.level.clone())
    };
    let both = count_by(all, |p| p.user_id)
        .into_keys()
        .find(|u| levels_of(*u).len() == 2)
        .expect("the sample has a user who upgraded");
    for user in [both, -1] {
        let got: BTreeMap<String, i64> = analysis::plays_of_user_by_level(warehouse, user)
            .await
            .unwrap()
            .into_iter()
            .map(|l| (l.level, l.plays))
            .collect();
        assert_eq!(got, levels_of(user), "user {user}");
    }
}

/// Top users in an hour range: ids, plays and names (the names of
/// their latest event, as the users dimension keeps).
async fn top_users_in_hours_match(warehouse: &Warehouse, all: &[&Play]) {
    for hours in [6..=9, 0..=23, 23..=23] {
        let within: Vec<&Play> = all
            .iter()
            .copied()
            .filter(|p| hours.contains(&(p.ts.hour() as i16)))
            .collect();
        let expected = ranked(&count_by(&within, |p| p.user_id), 5);
        let got = analysis::top_users_in_hours(warehouse, hours.clone(), 5)
            .await
            .unwrap();
        let got_ranking: Vec<(i32, i64)> = got.iter().map(|u| (u.user_id, u.plays)).collect();
        assert_eq!(got_ranking, expected, "hours {hours:?}");
        for u in &got {
            let latest = all
                .iter()
                .filter(|p| p.user_id == u.user_id)
                .max_by_key(|p| p.ts)
                .unwrap();
            assert_eq!(
                (&u.first_name, &u.last_name),
                (&latest.first_name, &latest.last_name)
            );
        }
    }
}

/// User/level pairs with at least 50 plays. Returns the heaviest
/// listener's user id.
async fn heavy_listeners_match(warehouse: &Warehouse, all: &[&Play]) -> i32 {
    let mut expected: Vec<(i32, String, i64)> = count_by(all, |p| (p.user_id, p.level.clone()))
        .into_iter()
        .filter(|(_, n)| *n >= 50)
        .map(|((u, l), n)| (u, l, n))
        .collect();
    expected.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)).then(a.1.cmp(&b.1)));
    let got: Vec<(i32, String, i64)> = analysis::heavy_listeners(warehouse, 50)
        .await
        .unwrap()
        .into_iter()
        .map(|l| (l.user_id, l.level, l.plays))
        .collect();
    assert!(!got.is_empty());
    assert_eq!(got, expected);
    got[0].0
}

/// The sessions of `user`: plays, first and last play.
async fn sessions_of_user_match(warehouse: &Warehouse, all: &[&Play], user: i32) {
    let mut sessions: BTreeMap<i32, (i64, NaiveDateTime, NaiveDateTime)> = BTreeMap::new();
    for p in all.iter().filter(|p| p.user_id == user) {
        let s = sessions.entry(p.session_id).or_insert((0, p.ts, p.ts));
        *s = (s.0 + 1, s.1.min(p.ts), s.2.max(p.ts));
    }
    let mut expected: Vec<analysis::Session> = sessions
        .into_iter()
        .map(|(session_id, (plays, started, ended))| analysis::Session {
            session_id,
            plays,
            started,
            ended,
        })
        .collect();
    expected.sort_by_key(|s| (s.started, s.session_id));
    let got = analysis::sessions_of_user(warehouse, user).await.unwrap();
    assert!(got.len() > 1, "user {user} has several sessions");
    assert_eq!(got, expected);
}

/// A downstream struct that names a column the query does not return.
#[derive(Debug, Row)]
#[allow(dead_code)]
struct MisnamedColumn {
    level: String,
    play_count: i64,
}

/// A downstream struct whose field is too narrow for `COUNT(*)` (BIGINT).
#[derive(Debug, Row)]
#[allow(dead_code)]
struct NarrowCount {
    level: String,
    plays: i32,
}

#[tokio::test]
async fn a_struct_that_does_not_fit_the_query_names_column_and_rust_type() {
    dwh_tests::require_sample!();
    let warehouse = sample_warehouse("example_analysis_mismatch").await;
    let user: i32 = 15;

    let missing = warehouse
        .query_as::<MisnamedColumn>(analysis::PLAYS_OF_USER_BY_LEVEL, &[&user])
        .await
        .unwrap_err();
    assert!(matches!(missing, WarehouseError::Row { .. }), "{missing:?}");
    let message = missing.to_string();
    for part in [
        "MisnamedColumn",
        "`play_count`",
        "`i64`",
        "`level`, `plays`",
    ] {
        assert!(message.contains(part), "{part} in: {message}");
    }

    let narrow = warehouse
        .query_as::<NarrowCount>(analysis::PLAYS_OF_USER_BY_LEVEL, &[&user])
        .await
        .unwrap_err();
    let message = narrow.to_string();
    for part in ["NarrowCount", "`plays`", "int8", "`i32`"] {
        assert!(message.contains(part), "{part} in: {message}");
    }
}
