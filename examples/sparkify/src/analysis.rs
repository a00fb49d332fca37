//! Built-in analyses of the Sparkify star schema: typed result rows and the
//! portable SQL (PostgreSQL and Redshift) that produces them.

pub mod charts;

use dwh_core::project::AnalysisResult;
use dwh_core::sql::Limit;
use dwh_core::{Row, Warehouse, WarehouseError};
use serde::{Deserialize, Serialize};

/// The most played songs.
#[derive(Debug, Clone, PartialEq, Row, Serialize, Deserialize)]
pub struct TopSong {
    pub title: String,
    pub artist: String,
    pub plays: i64,
}

/// The most played artists.
#[derive(Debug, Clone, PartialEq, Row, Serialize, Deserialize)]
pub struct TopArtist {
    pub artist: String,
    pub plays: i64,
}

/// The users with the most plays.
#[derive(Debug, Clone, PartialEq, Row, Serialize, Deserialize)]
pub struct ActiveUser {
    pub user_id: i32,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub level: String,
    pub plays: i64,
}

/// Users by their plays while on the paid level.
#[derive(Debug, Clone, PartialEq, Row, Serialize, Deserialize)]
pub struct PaidPlays {
    pub user_id: i32,
    pub plays: i64,
}

/// Plays per hour of day (0–23) or weekday (0 = Sunday).
#[derive(Debug, Clone, PartialEq, Row, Serialize, Deserialize)]
pub struct PlaysBy {
    pub bucket: i16,
    pub plays: i64,
}

/// Plays per subscription level at the time of the play.
#[derive(Debug, Clone, PartialEq, Row, Serialize, Deserialize)]
pub struct PlaysByLevel {
    pub level: String,
    pub plays: i64,
}

/// Users per gender and current level.
#[derive(Debug, Clone, PartialEq, Row, Serialize, Deserialize)]
pub struct UsersByGenderLevel {
    pub gender: Option<String>,
    pub level: String,
    pub users: i64,
}

/// A ranked text value: a location or a user agent.
#[derive(Debug, Clone, PartialEq, Row, Serialize, Deserialize)]
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

/// The `top` users with the most plays, with their current level.
pub fn active_users(top: Limit) -> String {
    format!(
        "SELECT u.user_id, u.first_name, u.last_name, u.level, COUNT(*) AS plays \
     FROM songplays sp JOIN users u ON u.user_id = sp.user_id AND u.is_current \
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
     WHERE is_current GROUP BY gender, level ORDER BY gender, level";

/// The `top` users by plays while paid: each play joins the version of its
/// user valid at the play's time (`users` keeps the history of `level`), so
/// a play counts when the user was paid then, whatever the level now.
pub fn plays_while_paid(top: Limit) -> String {
    format!(
        "SELECT sp.user_id, COUNT(*) AS plays \
     FROM songplays sp JOIN users u ON u.user_id = sp.user_id \
     AND sp.start_time >= u.valid_from AND (u.valid_to IS NULL OR sp.start_time < u.valid_to) \
     WHERE u.level = 'paid' GROUP BY sp.user_id ORDER BY plays DESC, sp.user_id LIMIT {top}"
    )
}

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

/// Every analysis of the project, as `dwh_core` analyses in run order.
pub fn analyses() -> Vec<dwh_core::Analysis> {
    use dwh_core::Analysis as A;
    vec![
        A::new::<TopSong>("top_songs", "Top songs", top_songs),
        A::new::<TopArtist>("top_artists", "Top artists", top_artists),
        A::new::<ActiveUser>("active_users", "Most active users", active_users),
        A::new::<PlaysBy>("plays_by_hour", "Plays by hour of day", |_| {
            PLAYS_BY_HOUR.to_owned()
        }),
        A::new::<PlaysBy>("plays_by_weekday", "Plays by weekday (0 = Sunday)", |_| {
            PLAYS_BY_WEEKDAY.to_owned()
        }),
        A::new::<PlaysByLevel>("plays_by_level", "Plays by level", |_| {
            PLAYS_BY_LEVEL.to_owned()
        }),
        A::new::<UsersByGenderLevel>("users_by_gender_level", "Users by gender and level", |_| {
            USERS_BY_GENDER_LEVEL.to_owned()
        }),
        A::new::<PaidPlays>("plays_while_paid", "Plays while paid", plays_while_paid),
        A::new::<Ranked>("top_locations", "Top locations", top_locations),
        A::new::<Ranked>("top_user_agents", "Top user agents", top_user_agents),
    ]
}

/// Every built-in analysis, run once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    pub top_songs: Vec<TopSong>,
    pub top_artists: Vec<TopArtist>,
    pub active_users: Vec<ActiveUser>,
    pub plays_by_hour: Vec<PlaysBy>,
    pub plays_by_weekday: Vec<PlaysBy>,
    pub plays_by_level: Vec<PlaysByLevel>,
    pub users_by_gender_level: Vec<UsersByGenderLevel>,
    pub plays_while_paid: Vec<PaidPlays>,
    pub top_locations: Vec<Ranked>,
    pub top_user_agents: Vec<Ranked>,
}

impl Analysis {
    /// The typed analysis back from the results of a run of [`analyses`]
    /// (what `dwh all --charts` hands the chart renderer).
    pub fn from_results(results: &[AnalysisResult]) -> Result<Analysis, serde_json::Error> {
        let object = results
            .iter()
            .map(|r| (r.key.to_owned(), r.json()))
            .collect::<serde_json::Map<_, _>>();
        serde_json::from_value(serde_json::Value::Object(object))
    }

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
            plays_while_paid: warehouse.query_as(&plays_while_paid(top), &[]).await?,
            top_locations: warehouse.query_as(&top_locations(top), &[]).await?,
            top_user_agents: warehouse.query_as(&top_user_agents(top), &[]).await?,
        })
    }
}
