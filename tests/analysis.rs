//! Built-in analyses and checks on the real sample: answers computed here
//! from the raw JSON, compared with the typed query results; a check made
//! to fail on purpose.

use std::collections::{BTreeMap, BTreeSet};

use dwh_core::sql::Dialect;
use dwh_core::{checks, Warehouse};
use dwh_tests::{json_objects, sample_data, sample_warehouse};
use serde_json::Value;
use sparkify::analysis::Analysis;

#[tokio::test]
async fn analyses_match_answers_computed_from_the_raw_files() {
    dwh_tests::require_sample!();
    let events = json_objects(&sample_data().join("log_data"));
    let plays: Vec<&Value> = events.iter().filter(|e| e["page"] == "NextSong").collect();
    let mut per_user: BTreeMap<i32, i64> = BTreeMap::new();
    let mut per_level: BTreeMap<String, i64> = BTreeMap::new();
    for p in &plays {
        *per_user
            .entry(p["userId"].as_str().unwrap().parse().unwrap())
            .or_default() += 1;
        *per_level
            .entry(p["level"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    let (top_user, top_plays) = per_user
        .iter()
        .max_by_key(|(user, plays)| (**plays, -**user))
        .map(|(u, p)| (*u, *p))
        .unwrap();

    let warehouse = sample_warehouse("analysis_answers").await;
    let analysis = Analysis::run(&warehouse, dwh_core::sql::Limit::new(5).unwrap())
        .await
        .unwrap();

    let first = &analysis.active_users[0];
    assert_eq!((first.user_id, first.plays), (top_user, top_plays));
    let levels: BTreeMap<String, i64> = analysis
        .plays_by_level
        .iter()
        .map(|l| (l.level.clone(), l.plays))
        .collect();
    assert_eq!(levels, per_level);
    assert_eq!(
        analysis.plays_by_hour.iter().map(|h| h.plays).sum::<i64>(),
        plays.len() as i64
    );
    assert_eq!(
        analysis
            .plays_by_weekday
            .iter()
            .map(|h| h.plays)
            .sum::<i64>(),
        plays.len() as i64
    );
    let matched = matched_song_titles(&plays);
    let top: Vec<(&str, i64)> = analysis
        .top_songs
        .iter()
        .map(|s| (s.title.as_str(), s.plays))
        .collect();
    let want: Vec<(&str, i64)> = matched.iter().map(|(t, n)| (t.as_str(), *n)).collect();
    assert!(!want.is_empty(), "the sample has plays that match a song");
    assert_eq!(top, want[..want.len().min(5)]);
    let users: i64 = analysis.users_by_gender_level.iter().map(|u| u.users).sum();
    let distinct_users: BTreeSet<&str> = events
        .iter()
        .filter_map(|e| e["userId"].as_str())
        .filter(|u| !u.is_empty())
        .collect();
    assert_eq!(users, distinct_users.len() as i64);
    let paid: Vec<(i32, i64)> = analysis
        .plays_while_paid
        .iter()
        .map(|p| (p.user_id, p.plays))
        .collect();
    assert_eq!(paid, plays_while_paid(&events)[..5]);
}

/// Plays per user made while the user was paid: the level of the user's
/// latest event at or before the play (any page), most first, then by user.
fn plays_while_paid(events: &[Value]) -> Vec<(i32, i64)> {
    let mut levels: BTreeMap<i32, Vec<(i64, &str)>> = BTreeMap::new();
    for e in events {
        if let Ok(user) = e["userId"].as_str().unwrap_or_default().parse::<i32>() {
            let entry = (e["ts"].as_i64().unwrap(), e["level"].as_str().unwrap());
            levels.entry(user).or_default().push(entry);
        }
    }
    levels.values_mut().for_each(|l| l.sort());
    let mut counts: BTreeMap<i32, i64> = BTreeMap::new();
    for p in events.iter().filter(|e| e["page"] == "NextSong") {
        let user: i32 = p["userId"].as_str().unwrap().parse().unwrap();
        let ts = p["ts"].as_i64().unwrap();
        let history = &levels[&user];
        let at = history.partition_point(|(t, _)| *t <= ts);
        if history[at - 1].1 == "paid" {
            *counts.entry(user).or_default() += 1;
        }
    }
    let mut out: Vec<(i32, i64)> = counts.into_iter().collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    out
}

/// Titles of the songs that plays match exactly on title, artist name and
/// duration (as the songplays lookup does), with their play counts, most
/// played first, then by title.
fn matched_song_titles(plays: &[&Value]) -> Vec<(String, i64)> {
    let songs = json_objects(&sample_data().join("song_data"));
    let mut counts: BTreeMap<String, i64> = BTreeMap::new();
    for play in plays {
        let found = songs.iter().find(|s| {
            s["title"] == play["song"]
                && s["artist_name"] == play["artist"]
                && s["duration"].as_f64() == play["length"].as_f64()
        });
        if let Some(song) = found {
            *counts
                .entry(song["title"].as_str().unwrap().to_owned())
                .or_default() += 1;
        }
    }
    let mut out: Vec<(String, i64)> = counts.into_iter().collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    out
}

/// Every check derived from the Sparkify schema, as `table: check`. None of
/// them tests what an engine enforces (NOT NULL), so each one can fail.
const SPARKIFY_CHECKS: [&str; 23] = [
    "users: one version per (user_id, valid_from)",
    "users: one current version per user_id",
    "users: versions of a user_id leave no gap and do not overlap",
    "users: its row count kept in dwh_row_counts is its rows",
    "users: every staging_events source row has a natural key and is loaded",
    "songs: natural key (song_id) is unique",
    "songs: its row count kept in dwh_row_counts is its rows",
    "songs: every staging_songs source row has a natural key and is loaded",
    "artists: natural key (artist_id) is unique",
    "artists: its row count kept in dwh_row_counts is its rows",
    "artists: every staging_songs source row has a natural key and is loaded",
    "time: natural key (start_time) is unique",
    "time: its row count kept in dwh_row_counts is its rows",
    "time: every staging_events source row has a natural key and is loaded",
    "songplays: natural key (start_time, user_id) is unique",
    "songplays: its row count kept in dwh_row_counts is its rows",
    "songplays: every `start_time` is in `time`",
    "songplays: every `user_id` finds the `users` version valid at its `start_time`",
    "songplays: every `user_id` is in `users`",
    "songplays: every `song_id` is in `songs`",
    "songplays: every `artist_id` is in `artists`",
    "songplays: every staging_events source row has a natural key and is loaded",
    "songplays: no unmatched row has a match now (late arrivals filled in)",
];

fn label(c: &checks::CheckResult) -> String {
    format!("{}: {}", c.table, c.check)
}

/// The checks that fail with `fault` planted (then rolled back). The kept
/// row counts are forgotten first, as a fault written by dwh's own load
/// would have been counted: only the kept-count fault plants one.
async fn failed_with(warehouse: &Warehouse, fault: &str) -> Vec<checks::CheckResult> {
    let client = warehouse.client();
    client.batch_execute("BEGIN").await.unwrap();
    client
        .batch_execute("DELETE FROM dwh_row_counts")
        .await
        .unwrap();
    client.batch_execute(fault).await.unwrap();
    let results = checks::run(client, &sparkify::schema(), Dialect::Postgres)
        .await
        .unwrap();
    client.batch_execute("ROLLBACK").await.unwrap();
    results.into_iter().filter(|c| !c.passed).collect()
}

#[tokio::test]
async fn the_schema_derives_exactly_these_checks_and_all_pass_on_the_sample() {
    dwh_tests::require_sample!();
    let warehouse = sample_warehouse("analysis_check_list").await;
    let results = checks::run(warehouse.client(), &sparkify::schema(), Dialect::Postgres)
        .await
        .unwrap();
    let labels: Vec<String> = results.iter().map(label).collect();
    assert_eq!(labels, SPARKIFY_CHECKS);
    assert!(results.iter().all(|c| c.passed), "{results:#?}");
}

/// The local engine keeps a unique index on each plain natural key: it
/// refuses a duplicate, and the uniqueness checks trust it (their proof
/// holds) instead of grouping every row.
#[tokio::test]
async fn the_engine_enforces_plain_natural_keys_and_the_checks_trust_it() {
    dwh_tests::require_sample!();
    let warehouse = sample_warehouse("analysis_unique_index").await;
    let client = warehouse.client();
    let proofs: Vec<(&str, String)> = dwh_core::sql::checks::queries(&sparkify::schema(), 5)
        .into_iter()
        .filter_map(|q| Some((q.table.name, q.proof?)))
        .collect();
    let tables: Vec<&str> = proofs.iter().map(|(t, _)| *t).collect();
    assert_eq!(tables, ["songs", "artists", "time", "songplays"]);
    for (table, proof) in &proofs {
        let held: i64 = client.query_one(proof.as_str(), &[]).await.unwrap().get(0);
        assert_eq!(held, 1, "{table}");
    }
    let duplicate = "INSERT INTO time SELECT * FROM time ORDER BY start_time LIMIT 1";
    let refused = client.batch_execute(duplicate).await.unwrap_err();
    assert!(
        refused.to_string().contains("duplicate key") || format!("{refused:?}").contains("23505"),
        "{refused:?}"
    );
    // A non-unique index on the same columns proves nothing.
    client
        .batch_execute(
            "BEGIN; DROP INDEX time_natural_key; CREATE INDEX time_natural_key ON time (start_time)",
        )
        .await
        .unwrap();
    let time_proof = &proofs[2].1;
    let held: i64 = client
        .query_one(time_proof.as_str(), &[])
        .await
        .unwrap()
        .get(0);
    client.batch_execute("ROLLBACK").await.unwrap();
    assert_eq!(held, 0);
}

/// One planted fault per kind of check: exactly that check fails, naming
/// the offending key where there is one. Redshift would accept each of
/// these writes: its keys are informational.
#[tokio::test]
async fn each_planted_fault_fails_exactly_its_check() {
    dwh_tests::require_sample!();
    let warehouse = sample_warehouse("analysis_failing_checks").await;
    let faults = [
        (
            "duplicate version",
            "INSERT INTO users SELECT * FROM users WHERE user_id = 16 AND NOT is_current",
            "users: one version per (user_id, valid_from)",
            vec!["16, 2018-11-04 09:49:16.796 (2×)".to_owned()],
        ),
        (
            "no current version",
            "UPDATE users SET is_current = FALSE WHERE user_id = 16 AND is_current",
            "users: one current version per user_id",
            vec!["16 (0×)".to_owned()],
        ),
        (
            "gap between versions",
            "UPDATE users SET valid_to = valid_to - INTERVAL '1 second' \
             WHERE user_id = 16 AND NOT is_current",
            "users: versions of a user_id leave no gap and do not overlap",
            vec!["16 (1×)".to_owned()],
        ),
        (
            "play before its user's first version",
            "UPDATE users SET valid_from = valid_from + INTERVAL '1 day' \
             WHERE user_id = 16 AND NOT is_current",
            "songplays: every `user_id` finds the `users` version valid at its `start_time`",
            vec!["16 (5×)".to_owned()],
        ),
        (
            "duplicate key where the unique index is gone",
            "DROP INDEX songplays_natural_key; \
             INSERT INTO songplays (start_time, user_id, level, song_id, artist_id, session_id, \
             location, user_agent) SELECT start_time, user_id, level, song_id, artist_id, \
             session_id, location, user_agent FROM songplays \
             WHERE user_id = 15 AND start_time = '2018-11-21 21:56:47.796'",
            "songplays: natural key (start_time, user_id) is unique",
            vec!["2018-11-21 21:56:47.796, 15 (2×)".to_owned()],
        ),
        (
            "orphan reference",
            "INSERT INTO songplays (start_time, user_id, level, session_id) \
             SELECT start_time, 999999, 'free', 1 FROM time ORDER BY start_time LIMIT 1",
            "songplays: every `user_id` is in `users`",
            vec!["999999 (1×)".to_owned()],
        ),
        (
            "source row not loaded",
            "DELETE FROM songplays WHERE user_id = 15 AND start_time = '2018-11-21 21:56:47.796'",
            "songplays: every staging_events source row has a natural key and is loaded",
            vec!["2018-11-21 21:56:47.796, 15 (1×)".to_owned()],
        ),
        (
            "late arrival not filled in",
            "UPDATE songplays SET song_id = NULL, artist_id = NULL WHERE song_id IS NOT NULL; \
             INSERT INTO dwh_unmatched_songplays SELECT e.* FROM staging_events AS e \
             JOIN songs AS s ON s.title = e.song AND s.duration = e.length WHERE e.page = 'NextSong'",
            "songplays: no unmatched row has a match now (late arrivals filled in)",
            vec![],
        ),
        (
            "kept row count off by one",
            "INSERT INTO dwh_row_counts (table_name, registered_at, row_count) \
             SELECT table_name, created_at, (SELECT COUNT(*) + 1 FROM songplays) \
             FROM dwh_registry WHERE table_name = 'songplays'",
            "songplays: its row count kept in dwh_row_counts is its rows",
            vec![],
        ),
        (
            "keyless source row",
            "INSERT INTO staging_events (page, user_id, ts, level, session_id) \
             SELECT 'NextSong', '', start_time, 'free', 1 FROM time ORDER BY start_time LIMIT 1",
            "songplays: every staging_events source row has a natural key and is loaded",
            vec!["(no natural key) (1×)".to_owned()],
        ),
    ];
    for (kind, sql, check, examples) in faults {
        let failed = failed_with(&warehouse, sql).await;
        let labels: Vec<String> = failed.iter().map(label).collect();
        assert_eq!(labels, [check], "{kind}: {failed:#?}");
        assert_eq!(failed[0].failures, 1, "{kind}");
        assert_eq!(failed[0].examples, examples, "{kind}");
    }
}
