//! Built-in analyses of the Sparkify star schema: typed result rows and the
//! portable SQL (PostgreSQL and Redshift) that produces them.

pub mod charts;

use dwh_core::sql::Limit;
use dwh_core::{Row, Warehouse, WarehouseError};
use serde::Serialize;

/// The most played songs.
#[derive(Debug, Clone, PartialEq, Row, Serialize)]
pub struct TopSong {
    pub title: String,
    pub artist: String,
    pub plays: i64,
}

/// The most played artists.
#[derive(Debug, Clone, PartialEq, Row, Serialize)]
pub struct TopArtist {
    pub artist: String,
    pub plays: i64,
}

/// The users with the most plays.
#[derive(Debug, Clone, PartialEq, Row, Serialize)]
pub struct ActiveUser {
    pub user_id: i32,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub level: String,
    pub plays: i64,
}

/// Plays per hour of day (0–23) or weekday (0 = Sunday).
#[derive(Debug, Clone, PartialEq, Row, Serialize)]
pub struct PlaysBy {
    pub bucket: i16,
    pub plays: i64,
}

/// Plays per subscription level at the time of the play.
#[derive(Debug, Clone, PartialEq, Row, Serialize)]
pub struct PlaysByLevel {
    pub level: String,
    pub plays: i64,
}

/// Users per gender and current level.
#[derive(Debug, Clone, PartialEq, Row, Serialize)]
pub struct UsersByGenderLevel {
    pub gender: Option<String>,
    pub level: String,
    pub users: i64,
}

/// A ranked text value: a location or a user agent.
#[derive(Debug, Clone, PartialEq, Row, Serialize)]
pub struct Ranked {
    pub value: Option<String>,
    pub plays: i64,
}

/// The `top` most played songs.
pub fn top_songs(top: Limit) -> String {
    format!(
        "SELECT s.title AS title, a.name AS artist, COUNT(*) AS plays \
     FROM songplays sp JOIN songs s ON s.song_id = sp.song_id JOIN artists a ON a.artist_id = sp.artist_id \
     GROUP BY s.title, a.name ORDER BY plays DESC, title LIMIT {top}"
    )
}

/// The `top` most played artists.
pub fn top_artists(top: Limit) -> String {
    format!(
        "SELECT a.name AS artist, COUNT(*) AS plays \
     FROM songplays sp JOIN artists a ON a.artist_id = sp.artist_id \
     GROUP BY a.name ORDER BY plays DESC, artist LIMIT {top}"
    )
}

/// The `top` users with the most plays.
pub fn active_users(top: Limit) -> String {
    format!(
        "SELECT u.user_id, u.first_name, u.last_name, u.level, COUNT(*) AS plays \
     FROM songplays sp JOIN users u ON u.user_id = sp.user_id \
     GROUP BY u.user_id, u.first_name, u.last_name, u.level \
     ORDER BY plays DESC, u.user_id LIMIT {top}"
    )
}

pub const PLAYS_BY_HOUR: &str = "SELECT t.hour AS bucket, COUNT(*) AS plays \
     FROM songplays sp JOIN \"time\" t ON t.start_time = sp.start_time GROUP BY t.hour ORDER BY bucket";

pub const PLAYS_BY_WEEKDAY: &str = "SELECT t.weekday AS bucket, COUNT(*) AS plays \
     FROM songplays sp JOIN \"time\" t ON t.start_time = sp.start_time GROUP BY t.weekday ORDER BY bucket";

pub const PLAYS_BY_LEVEL: &str =
    "SELECT level, COUNT(*) AS plays FROM songplays GROUP BY level ORDER BY plays DESC, level";

pub const USERS_BY_GENDER_LEVEL: &str = "SELECT gender, level, COUNT(*) AS users FROM users \
     GROUP BY gender, level ORDER BY gender, level";

/// The `top` locations by plays.
pub fn top_locations(top: Limit) -> String {
    format!(
        "SELECT location AS value, COUNT(*) AS plays FROM songplays \
     GROUP BY location ORDER BY plays DESC, value LIMIT {top}"
    )
}

/// The `top` user agents by plays.
pub fn top_user_agents(top: Limit) -> String {
    format!(
        "SELECT user_agent AS value, COUNT(*) AS plays FROM songplays \
     GROUP BY user_agent ORDER BY plays DESC, value LIMIT {top}"
    )
}

/// Every analysis as `(title, sql)`, in run order. `top` is rendered as a
/// literal, not bound: see [`Limit`].
pub fn queries(top: Limit) -> Vec<(String, String)> {
    [
        ("top songs", top_songs(top)),
        ("top artists", top_artists(top)),
        ("active users", active_users(top)),
        ("plays by hour", PLAYS_BY_HOUR.to_owned()),
        ("plays by weekday", PLAYS_BY_WEEKDAY.to_owned()),
        ("plays by level", PLAYS_BY_LEVEL.to_owned()),
        (
            "users by gender and level",
            USERS_BY_GENDER_LEVEL.to_owned(),
        ),
        ("top locations", top_locations(top)),
        ("top user agents", top_user_agents(top)),
    ]
    .into_iter()
    .map(|(title, sql)| (title.to_owned(), sql))
    .collect()
}

/// Every built-in analysis, run once.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Analysis {
    pub top_songs: Vec<TopSong>,
    pub top_artists: Vec<TopArtist>,
    pub active_users: Vec<ActiveUser>,
    pub plays_by_hour: Vec<PlaysBy>,
    pub plays_by_weekday: Vec<PlaysBy>,
    pub plays_by_level: Vec<PlaysByLevel>,
    pub users_by_gender_level: Vec<UsersByGenderLevel>,
    pub top_locations: Vec<Ranked>,
    pub top_user_agents: Vec<Ranked>,
}

impl Analysis {
    /// Runs every analysis; `top` bounds the ranked lists. No query binds a
    /// parameter, so the SQL means the same on Redshift.
    pub async fn run(warehouse: &Warehouse, top: Limit) -> Result<Analysis, WarehouseError> {
        Ok(Analysis {
            top_songs: warehouse.query_as(&top_songs(top), &[]).await?,
            top_artists: warehouse.query_as(&top_artists(top), &[]).await?,
            active_users: warehouse.query_as(&active_users(top), &[]).await?,
            plays_by_hour: warehouse.query_as(PLAYS_BY_HOUR, &[]).await?,
            plays_by_weekday: warehouse.query_as(PLAYS_BY_WEEKDAY, &[]).await?,
            plays_by_level: warehouse.query_as(PLAYS_BY_LEVEL, &[]).await?,
            users_by_gender_level: warehouse.query_as(USERS_BY_GENDER_LEVEL, &[]).await?,
            top_locations: warehouse.query_as(&top_locations(top), &[]).await?,
            top_user_agents: warehouse.query_as(&top_user_agents(top), &[]).await?,
        })
    }
}
