//! Typed analysis from downstream code: parameterised queries whose result
//! rows are plain structs with `#[derive(Row)]`, read by column name. A
//! column the query does not return, or one whose SQL type does not fit
//! the field, is an error naming the column and the Rust type.
//!
//! The SQL is public so a caller can read the same rows into structs of
//! its own with [`Warehouse::query_as`].

use std::ops::RangeInclusive;

use chrono::NaiveDateTime;
use dwh_core::{Row, Warehouse, WarehouseError};

// ANCHOR: level_plays
/// Plays of one user at one subscription level.
#[derive(Debug, Clone, PartialEq, Eq, Row)]
pub struct LevelPlays {
    pub level: String,
    pub plays: i64,
}
// ANCHOR_END: level_plays

/// A user and their number of plays.
#[derive(Debug, Clone, PartialEq, Eq, Row)]
pub struct UserPlays {
    pub user_id: i32,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub plays: i64,
}

/// A user at a level, with their plays at that level.
#[derive(Debug, Clone, PartialEq, Eq, Row)]
pub struct Listener {
    pub user_id: i32,
    pub level: String,
    pub plays: i64,
}

/// One listening session: its plays, first and last play.
#[derive(Debug, Clone, PartialEq, Eq, Row)]
pub struct Session {
    pub session_id: i32,
    pub plays: i64,
    pub started: NaiveDateTime,
    pub ended: NaiveDateTime,
}

// ANCHOR: plays_of_user_by_level
/// `$1`: user id (INTEGER).
pub const PLAYS_OF_USER_BY_LEVEL: &str = "SELECT level, COUNT(*) AS plays FROM songplays \
     WHERE user_id = $1 GROUP BY level ORDER BY level";
// ANCHOR_END: plays_of_user_by_level

/// `$1`, `$2`: first and last hour of day (SMALLINT); `$3`: rows (BIGINT).
pub const TOP_USERS_IN_HOURS: &str =
    "SELECT sp.user_id, u.first_name, u.last_name, COUNT(*) AS plays \
     FROM songplays sp \
     JOIN \"time\" t ON t.start_time = sp.start_time \
     JOIN users u ON u.user_id = sp.user_id AND u.is_current \
     WHERE t.hour BETWEEN $1 AND $2 \
     GROUP BY sp.user_id, u.first_name, u.last_name \
     ORDER BY plays DESC, sp.user_id LIMIT $3";

/// `$1`: least plays (BIGINT).
pub const HEAVY_LISTENERS: &str = "SELECT user_id, level, COUNT(*) AS plays FROM songplays \
     GROUP BY user_id, level HAVING COUNT(*) >= $1 ORDER BY plays DESC, user_id, level";

/// `$1`: user id (INTEGER).
pub const SESSIONS_OF_USER: &str = "SELECT session_id, COUNT(*) AS plays, \
     MIN(start_time) AS started, MAX(start_time) AS ended \
     FROM songplays WHERE user_id = $1 \
     GROUP BY session_id ORDER BY started, session_id";

// ANCHOR: plays_of_user_by_level_fn
/// How often `user_id` played at each level (users move from free to paid
/// and back), by level name.
pub async fn plays_of_user_by_level(
    warehouse: &Warehouse,
    user_id: i32,
) -> Result<Vec<LevelPlays>, WarehouseError> {
    warehouse
        .query_as(PLAYS_OF_USER_BY_LEVEL, &[&user_id])
        .await
}
// ANCHOR_END: plays_of_user_by_level_fn

/// The `limit` users with the most plays in the hours of day `hours`
/// (UTC, inclusive), most plays first, ties by user id.
pub async fn top_users_in_hours(
    warehouse: &Warehouse,
    hours: RangeInclusive<i16>,
    limit: i64,
) -> Result<Vec<UserPlays>, WarehouseError> {
    warehouse
        .query_as(TOP_USERS_IN_HOURS, &[hours.start(), hours.end(), &limit])
        .await
}

/// Users with at least `min_plays` plays at one level.
pub async fn heavy_listeners(
    warehouse: &Warehouse,
    min_plays: i64,
) -> Result<Vec<Listener>, WarehouseError> {
    warehouse.query_as(HEAVY_LISTENERS, &[&min_plays]).await
}

/// Every session of `user_id` with plays, in the order they started.
pub async fn sessions_of_user(
    warehouse: &Warehouse,
    user_id: i32,
) -> Result<Vec<Session>, WarehouseError> {
    warehouse.query_as(SESSIONS_OF_USER, &[&user_id]).await
}
