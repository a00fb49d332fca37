//! Built-in analyses and checks on the real sample: answers computed here
//! from the raw JSON, compared with the typed query results; a check made
//! to fail on purpose.

use std::collections::BTreeMap;

use dwh_core::checks;
use dwh_tests::{json_objects, sample_data, sample_warehouse};
use serde_json::Value;
use sparkify::analysis::Analysis;

#[tokio::test]
async fn analyses_match_answers_computed_from_the_raw_files() {
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
    assert_eq!(
        analysis.top_songs.len(),
        1,
        "one play matches a song in this sample"
    );
    assert_eq!(analysis.top_songs[0].title, "Setanta matins");
    let users: i64 = analysis.users_by_gender_level.iter().map(|u| u.users).sum();
    assert_eq!(
        users,
        96 + 1,
        "97 distinct users log events, 96 of them play songs"
    );
}

#[tokio::test]
async fn a_duplicated_dimension_key_fails_its_check_with_the_key() {
    let warehouse = sample_warehouse("analysis_failing_check").await;
    let schema = sparkify::schema();
    let before = checks::run(warehouse.client(), &schema).await.unwrap();
    assert!(before.iter().all(|c| c.passed), "{before:#?}");

    // Redshift would accept this: its primary keys are informational.
    warehouse
        .client()
        .batch_execute("INSERT INTO users (user_id, first_name, last_name, gender, level) VALUES (15, 'Lily', 'Koch', 'F', 'free')")
        .await
        .unwrap();
    let after = checks::run(warehouse.client(), &schema).await.unwrap();
    let failed: Vec<_> = after.iter().filter(|c| !c.passed).collect();
    assert_eq!(failed.len(), 1, "{failed:#?}");
    assert_eq!(failed[0].table, "users");
    assert!(failed[0].check.contains("natural key (user_id) is unique"));
    assert_eq!(failed[0].examples, vec!["15 (2×)".to_owned()]);
    assert_eq!(failed[0].failures, 1);
}
