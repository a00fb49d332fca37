//! The Sparkify star schema, declared with dwh derives only.
//!
//! Sparkify is a music streaming app: JSON song metadata (a Million Song
//! Dataset subset) and JSON-lines app event logs become the star schema
//! `songplays` (fact) with `users`, `songs`, `artists` and `time`
//! (dimensions).
//!
//! Physical design, in brief:
//! - Staging tables are transient: `staging_events` is the largest table and
//!   is spread EVEN so COPY uses every slice; `staging_songs` is small and
//!   looked up by every play, so it is copied to ALL nodes.
//! - `songplays` and `time` are the two large tables and share DISTKEY and
//!   SORTKEY `start_time`: they join co-located, and time-range queries skip
//!   blocks. `song_id` would be the textbook DISTKEY, but most plays match no
//!   song in this data (NULL), and a NULL key hashes every such row onto one
//!   slice.
//! - `users`, `songs` and `artists` are small dimensions: DISTSTYLE ALL, so
//!   joins from `songplays` never redistribute.
//! - Sort-key columns are RAW (compressing the leading sort column makes
//!   range-restricted scans read more blocks); integers and timestamps are
//!   AZ64; free text is ZSTD; low-cardinality strings are BYTEDICT.

pub mod analysis;
pub mod gen;

use chrono::NaiveDateTime;
use dwh_core::{DimTable, FactTable, Schema, StagingTable};

// ANCHOR: staging_event
/// One app event, as logged (JSON lines under `log_data/`).
///
/// DISTSTYLE EVEN: the largest table, transient; spread evenly so COPY
/// uses every slice.
#[derive(Debug, Clone, StagingTable)]
#[dwh(table = "staging_events", diststyle = even)]
pub struct StagingEvent {
    #[dwh(varchar = 512)]
    pub artist: Option<String>,
    #[dwh(varchar = 32)]
    pub auth: Option<String>,
    #[dwh(json = "firstName", varchar = 128)]
    pub first_name: Option<String>,
    #[dwh(varchar = 8)]
    pub gender: Option<String>,
    #[dwh(json = "itemInSession")]
    pub item_in_session: Option<i32>,
    #[dwh(json = "lastName", varchar = 128)]
    pub last_name: Option<String>,
    pub length: Option<f64>,
    #[dwh(varchar = 8)]
    pub level: Option<String>,
    #[dwh(varchar = 256)]
    pub location: Option<String>,
    #[dwh(varchar = 8)]
    pub method: Option<String>,
    #[dwh(varchar = 32)]
    pub page: Option<String>,
    /// Epoch milliseconds, logged as a float (`1540919166796.0`).
    pub registration: Option<f64>,
    #[dwh(json = "sessionId")]
    pub session_id: Option<i32>,
    #[dwh(varchar = 512)]
    pub song: Option<String>,
    pub status: Option<i16>,
    #[dwh(epoch_millis)]
    pub ts: Option<NaiveDateTime>,
    #[dwh(json = "userAgent", varchar = 512)]
    pub user_agent: Option<String>,
    /// A string in the logs; `""` for logged-out events.
    #[dwh(json = "userId", varchar = 16)]
    pub user_id: Option<String>,
}
// ANCHOR_END: staging_event

/// One song's metadata (one JSON object per file under `song_data/`).
///
/// DISTSTYLE ALL: small, and looked up by every play, so every node
/// holds a copy.
#[derive(Debug, Clone, StagingTable)]
#[dwh(table = "staging_songs", diststyle = all)]
pub struct StagingSong {
    pub num_songs: Option<i32>,
    #[dwh(varchar = 32)]
    pub artist_id: Option<String>,
    pub artist_latitude: Option<f64>,
    pub artist_longitude: Option<f64>,
    #[dwh(varchar = 512)]
    pub artist_location: Option<String>,
    #[dwh(varchar = 512)]
    pub artist_name: Option<String>,
    #[dwh(varchar = 32)]
    pub song_id: Option<String>,
    #[dwh(varchar = 512)]
    pub title: Option<String>,
    pub duration: Option<f64>,
    pub year: Option<i16>,
}

// ANCHOR: user
/// App users, one row per version of a user: users move between the free
/// and paid levels, and each change of `level` starts a new version (type-2
/// history), valid from the event that shows it until the next change. Names
/// and gender are the user's latest, on every version. Logged-out events
/// carry no user (`userId` is `""`) and are left out.
///
/// DISTSTYLE ALL: a small dimension, so joins from `songplays` never
/// redistribute.
#[derive(Debug, Clone, DimTable)]
#[dwh(
    table = "users",
    diststyle = all,
    sortkey(user_id, valid_from),
    source = StagingEvent,
    filter = "src.user_id <> ''",
    latest_by = "src.ts",
    history = scd2
)]
pub struct User {
    #[dwh(natural_key, encode = raw, expr = "CAST(NULLIF(src.user_id, '') AS INTEGER)")]
    pub user_id: i32,
    #[dwh(varchar = 128, encode = zstd)]
    pub first_name: Option<String>,
    #[dwh(varchar = 128, encode = zstd)]
    pub last_name: Option<String>,
    #[dwh(varchar = 8, encode = bytedict)]
    pub gender: Option<String>,
    /// `free` or `paid`; a change starts a new version.
    #[dwh(varchar = 8, encode = bytedict, tracked)]
    pub level: String,
    /// The time of the first event that showed this version's level.
    #[dwh(valid_from, encode = raw)]
    pub valid_from: NaiveDateTime,
    /// When the next version began; NULL for the current version.
    #[dwh(valid_to, encode = az64)]
    pub valid_to: Option<NaiveDateTime>,
    /// True on the user's latest version only.
    #[dwh(is_current, encode = raw)]
    pub is_current: bool,
}
// ANCHOR_END: user

// ANCHOR: song
/// Songs in the catalogue.
///
/// DISTSTYLE ALL: a small dimension, so joins from `songplays` never
/// redistribute.
#[derive(Debug, Clone, DimTable)]
#[dwh(table = "songs", diststyle = all, sortkey(song_id), source = StagingSong)]
pub struct Song {
    #[dwh(natural_key, varchar = 32, encode = raw)]
    pub song_id: String,
    #[dwh(varchar = 512, encode = zstd)]
    pub title: String,
    #[dwh(varchar = 32, encode = zstd)]
    pub artist_id: String,
    /// The artist's name as this song's own file spells it. Song files of
    /// one artist can spell the name differently (`artists` keeps one):
    /// plays match a song by this spelling.
    #[dwh(varchar = 512, encode = zstd)]
    pub artist_name: Option<String>,
    /// The source says 0 where the year is unknown.
    #[dwh(encode = az64, expr = "NULLIF(src.year, 0)")]
    pub year: Option<i16>,
    #[dwh(encode = raw)]
    pub duration: f64,
}
// ANCHOR_END: song

/// Artists, one row per artist id.
///
/// DISTSTYLE ALL: a small dimension, so joins from `songplays` never
/// redistribute.
#[derive(Debug, Clone, DimTable)]
#[dwh(table = "artists", diststyle = all, sortkey(artist_id), source = StagingSong)]
pub struct Artist {
    #[dwh(natural_key, varchar = 32, encode = raw)]
    pub artist_id: String,
    #[dwh(from = "artist_name", varchar = 512, encode = zstd)]
    pub name: String,
    #[dwh(from = "artist_location", varchar = 512, encode = zstd)]
    pub location: Option<String>,
    #[dwh(from = "artist_latitude", encode = raw)]
    pub latitude: Option<f64>,
    #[dwh(from = "artist_longitude", encode = raw)]
    pub longitude: Option<f64>,
}

/// The timestamps of song plays broken into calendar parts.
///
/// DISTKEY and SORTKEY `start_time`, like `songplays`: the two large
/// tables join co-located, and time-range queries skip blocks.
#[derive(Debug, Clone, DimTable)]
#[dwh(
    table = "time",
    distkey = start_time,
    sortkey(start_time),
    source = StagingEvent,
    filter = "src.page = 'NextSong'"
)]
pub struct Time {
    #[dwh(natural_key, from = "ts", encode = raw)]
    pub start_time: NaiveDateTime,
    #[dwh(encode = az64, expr = "EXTRACT(HOUR FROM src.ts)")]
    pub hour: i16,
    #[dwh(encode = az64, expr = "EXTRACT(DAY FROM src.ts)")]
    pub day: i16,
    #[dwh(encode = az64, expr = "EXTRACT(WEEK FROM src.ts)")]
    pub week: i16,
    #[dwh(encode = az64, expr = "EXTRACT(MONTH FROM src.ts)")]
    pub month: i16,
    #[dwh(encode = az64, expr = "EXTRACT(YEAR FROM src.ts)")]
    pub year: i16,
    /// 0 = Sunday, as in both PostgreSQL and Redshift.
    #[dwh(encode = az64, expr = "EXTRACT(DOW FROM src.ts)")]
    pub weekday: i16,
}

// ANCHOR: songplay
/// One row per song play (`NextSong` event). The song and artist are looked
/// up in the `songs` and `artists` dimensions (not in the run's staging),
/// by title, artist name and duration, so a play matches a song loaded by
/// an earlier run; most plays find none (NULL). The artist name matched is
/// the song's own (`songs.artist_name`), not the one spelling `artists`
/// kept: a play matching its song file matches whatever the artist's other
/// files say. A play whose song arrives in a later run is matched then
/// (see `dwh_unmatched_songplays`).
///
/// DISTKEY and SORTKEY `start_time`, shared with `time`. `song_id` would be
/// the textbook DISTKEY, but most plays match no song (NULL), and a NULL
/// key hashes every such row onto one slice.
#[derive(Debug, Clone, FactTable)]
#[dwh(
    table = "songplays",
    distkey = start_time,
    sortkey(start_time),
    source = StagingEvent,
    filter = "src.page = 'NextSong'",
    lookup(
        table = Song,
        alias = "s",
        on(title = "src.song", artist_name = "src.artist", duration = "src.length"),
        join(table = Artist, alias = "a", key(artist_id = "s.artist_id"))
    )
)]
pub struct SongPlay {
    #[dwh(identity, encode = az64)]
    pub songplay_id: i64,
    #[dwh(natural_key, from = "ts", references = Time, encode = raw)]
    pub start_time: NaiveDateTime,
    #[dwh(
        natural_key,
        references = User,
        as_of = start_time,
        encode = az64,
        expr = "CAST(NULLIF(src.user_id, '') AS INTEGER)"
    )]
    pub user_id: i32,
    #[dwh(varchar = 8, encode = bytedict)]
    pub level: String,
    #[dwh(from = "s.song_id", references = Song, varchar = 32, encode = zstd)]
    pub song_id: Option<String>,
    #[dwh(from = "a.artist_id", references = Artist, varchar = 32, encode = zstd)]
    pub artist_id: Option<String>,
    #[dwh(encode = az64)]
    pub session_id: i32,
    #[dwh(varchar = 256, encode = zstd)]
    pub location: Option<String>,
    #[dwh(varchar = 512, encode = zstd)]
    pub user_agent: Option<String>,
}
// ANCHOR_END: songplay

/// The whole Sparkify warehouse, in load order.
pub fn schema() -> Schema {
    Schema::new([
        &<StagingEvent as StagingTable>::TABLE,
        &<StagingSong as StagingTable>::TABLE,
        &<User as DimTable>::TABLE,
        &<Song as DimTable>::TABLE,
        &<Artist as DimTable>::TABLE,
        &<Time as DimTable>::TABLE,
        &<SongPlay as FactTable>::TABLE,
    ])
    .expect("the Sparkify schema is consistent")
}

// ANCHOR: project
/// The Sparkify warehouse as a dwh project: its schema, the folders of the
/// course's data layout, the analyses, charts, and the data generator.
pub fn project() -> dwh_core::Project {
    dwh_core::Project::new("sparkify", schema())
        // JSON lines of app events, one file per day (`2018-11-01-events.json`);
        // `.jsonl` is the same text under its other usual name.
        .source::<StagingEvent>("log_data", "*.{json,jsonl}")
        // Song metadata, one object per file below letter folders.
        .source::<StagingSong>("song_data", "*.{json,jsonl}")
        .analyses(analysis::analyses())
        .charts(analysis::charts::from_results)
        .generator(gen::Sparkify)
        .build()
        .expect("the Sparkify project is consistent")
}
// ANCHOR_END: project
