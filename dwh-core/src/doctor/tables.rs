//! The doctor's own small warehouse, and the records its COPYs read.
//!
//! Users 1 and 2 play songs; user 1 upgrades from free to paid (two
//! versions of a type-2 dimension); one play names a song no file has (an
//! unmatched row, kept for a late arrival).

use chrono::NaiveDateTime;

use crate::catalog::Schema;
use crate::{DimTable, FactTable, StagingTable};

#[allow(dead_code)] // declares a table; no row is read into it
#[derive(Debug, Clone, StagingTable)]
#[dwh(table = "doctor_events", diststyle = even)]
#[doc(hidden)]
pub(crate) struct DoctorEvent {
    #[dwh(json = "userId", varchar = 16)]
    pub user_id: Option<String>,
    #[dwh(varchar = 8)]
    pub level: Option<String>,
    #[dwh(varchar = 64)]
    pub song: Option<String>,
    #[dwh(epoch_millis)]
    pub ts: Option<NaiveDateTime>,
}

#[allow(dead_code)] // declares a table; no row is read into it
#[derive(Debug, Clone, StagingTable)]
#[dwh(table = "doctor_song_files", diststyle = all)]
#[doc(hidden)]
pub(crate) struct DoctorSongFile {
    #[dwh(varchar = 32)]
    pub song_id: Option<String>,
    #[dwh(varchar = 64)]
    pub title: Option<String>,
}

/// A type-2 dimension: its load uses window functions and `UPDATE … FROM`.
#[allow(dead_code)] // declares a table; no row is read into it
#[derive(Debug, Clone, DimTable)]
#[dwh(
    table = "doctor_users",
    diststyle = all,
    sortkey(user_id, valid_from),
    source = DoctorEvent,
    filter = "src.user_id <> ''",
    latest_by = "src.ts",
    history = scd2
)]
#[doc(hidden)]
pub(crate) struct DoctorUser {
    #[dwh(natural_key, encode = raw, expr = "CAST(NULLIF(src.user_id, '') AS INTEGER)")]
    pub user_id: i32,
    #[dwh(varchar = 8, encode = bytedict, tracked)]
    pub level: String,
    #[dwh(valid_from, encode = raw)]
    pub valid_from: NaiveDateTime,
    #[dwh(valid_to, encode = az64)]
    pub valid_to: Option<NaiveDateTime>,
    #[dwh(is_current, encode = raw)]
    pub is_current: bool,
}

/// A plain dimension: its load is a MERGE from a staged table.
#[allow(dead_code)] // declares a table; no row is read into it
#[derive(Debug, Clone, DimTable)]
#[dwh(table = "doctor_songs", diststyle = all, sortkey(song_id), source = DoctorSongFile)]
#[doc(hidden)]
pub(crate) struct DoctorSong {
    #[dwh(natural_key, varchar = 32, encode = raw)]
    pub song_id: String,
    #[dwh(varchar = 64, encode = zstd)]
    pub title: String,
}

/// A fact with a lookup: unmatched plays go to `dwh_unmatched_doctor_plays`.
#[allow(dead_code)] // declares a table; no row is read into it
#[derive(Debug, Clone, FactTable)]
#[dwh(
    table = "doctor_plays",
    distkey = start_time,
    sortkey(start_time),
    source = DoctorEvent,
    lookup(table = DoctorSong, alias = "s", on(title = "src.song"))
)]
#[doc(hidden)]
pub(crate) struct DoctorPlay {
    #[dwh(identity, encode = az64)]
    pub play_id: i64,
    #[dwh(natural_key, from = "ts", encode = raw)]
    pub start_time: NaiveDateTime,
    #[dwh(
        natural_key,
        references = DoctorUser,
        as_of = start_time,
        encode = az64,
        expr = "CAST(NULLIF(src.user_id, '') AS INTEGER)"
    )]
    pub user_id: i32,
    #[dwh(from = "s.song_id", references = DoctorSong, varchar = 32, encode = zstd)]
    pub song_id: Option<String>,
}

/// The doctor's schema.
pub fn schema() -> &'static Schema {
    static SCHEMA: std::sync::LazyLock<Schema> = std::sync::LazyLock::new(|| {
        Schema::new([
            &<DoctorEvent as StagingTable>::TABLE,
            &<DoctorSongFile as StagingTable>::TABLE,
            &<DoctorUser as DimTable>::TABLE,
            &<DoctorSong as DimTable>::TABLE,
            &<DoctorPlay as FactTable>::TABLE,
        ])
        .expect("the doctor's schema is consistent")
    });
    &SCHEMA
}

/// JSON lines of events: three plays, user 1 free then paid, one play of a
/// song no file holds.
pub const EVENTS: &str = concat!(
    r#"{"userId": "1", "level": "free", "song": "Alpha", "ts": 1541030400000}"#,
    "\n",
    r#"{"userId": "1", "level": "paid", "song": "Beta", "ts": 1541116800000}"#,
    "\n",
    r#"{"userId": "2", "level": "free", "song": "Nowhere", "ts": 1541203200000}"#,
    "\n",
);

/// Two of the events as `dwh upload` writes a CSV source: a header of the
/// source names in table order, every value quoted, `\N` for NULL (the
/// CSV COPY's `NULL AS`, `crate::sql::CSV_NULL`).
pub const EVENTS_CSV: &str = concat!(
    r#""userId","level","song","ts""#,
    "\n",
    r#""1","free","Alpha","1541030400000""#,
    "\n",
    r#""2",\N,"Nowhere","1541203200000""#,
    "\n",
);

/// JSON lines of song files.
pub const SONGS: &str = concat!(
    r#"{"song_id": "S1", "title": "Alpha"}"#,
    "\n",
    r#"{"song_id": "S2", "title": "Beta"}"#,
    "\n",
);

/// A record COPY must refuse: its `ts` is no epoch.
pub const BAD_EVENT: &str = r#"{"userId": "3", "level": "free", "song": "Alpha", "ts": "yesterday"}
"#;

/// The data file of a staging table of the doctor's schema.
pub fn data_of(table: &str) -> &'static str {
    match table {
        "doctor_events" => EVENTS,
        "doctor_song_files" => SONGS,
        other => panic!("the doctor has no data for `{other}`"),
    }
}
