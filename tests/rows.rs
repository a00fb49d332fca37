//! Typed row readers against the real engine: values decode by column
//! name, and a mismatch names the column and the Rust type.

use dwh_core::{Row, WarehouseError};
use dwh_tests::fresh_warehouse;

#[derive(Debug, PartialEq, Row)]
struct UserPlays {
    user_id: i32,
    level: String,
    #[dwh(column = "play_count")]
    plays: i64,
    note: Option<String>,
}

#[tokio::test]
async fn rows_decode_by_name_and_mismatches_are_explained() {
    let (warehouse, _) = fresh_warehouse("rows").await;
    // Column order differs from field order: decoding is by name.
    let rows: Vec<UserPlays> = warehouse
        .query_as(
            "SELECT 'paid' AS level, CAST(7 AS BIGINT) AS play_count, NULL::text AS note, 15 AS user_id",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(
        rows,
        vec![UserPlays {
            user_id: 15,
            level: "paid".into(),
            plays: 7,
            note: None
        }]
    );

    let wrong_type = warehouse
        .query_as::<UserPlays>(
            "SELECT 15 AS user_id, 'paid' AS level, 7 AS play_count, NULL::text AS note",
            &[],
        )
        .await
        .unwrap_err();
    let message = wrong_type.to_string();
    assert!(matches!(wrong_type, WarehouseError::Row { .. }));
    assert!(
        message.contains("`play_count`") && message.contains("int4") && message.contains("i64"),
        "{message}"
    );

    let missing = warehouse
        .query_as::<UserPlays>("SELECT 15 AS user_id, 'paid' AS level", &[])
        .await
        .unwrap_err()
        .to_string();
    assert!(
        missing.contains("no column `play_count`") && missing.contains("`level`"),
        "{missing}"
    );

    let null = warehouse
        .query_as::<UserPlays>("SELECT NULL::int AS user_id, 'paid' AS level, CAST(7 AS BIGINT) AS play_count, NULL::text AS note", &[])
        .await
        .unwrap_err()
        .to_string();
    assert!(
        null.contains("`user_id`") && null.contains("NULL"),
        "{null}"
    );
}
