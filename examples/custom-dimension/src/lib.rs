//! A user-defined dimension added to the Sparkify schema without touching
//! dwh-core: where listeners are, split into city and state.
//!
//! `location` in the logs reads like `"San Francisco-Oakland-Hayward, CA"`:
//! a metropolitan area, a comma, and one or more state codes.

use dwh_core::{DimTable, FactTable, Schema, StagingTable};
use sparkify::{Artist, Song, SongPlay, StagingEvent, StagingSong, Time, User};

/// One row per distinct listener location.
#[derive(Debug, Clone, DimTable)]
#[dwh(
    table = "locations",
    diststyle = all,
    sortkey(location),
    source = StagingEvent,
    filter = "src.location IS NOT NULL AND src.page = 'NextSong'"
)]
pub struct Location {
    #[dwh(natural_key, varchar = 256, encode = raw)]
    pub location: String,
    /// The metropolitan area, before the comma.
    #[dwh(varchar = 256, encode = zstd, expr = "SPLIT_PART(src.location, ', ', 1)")]
    pub metro_area: String,
    /// The state code(s), after the comma, e.g. `IL-IN-WI`.
    #[dwh(varchar = 64, encode = bytedict, expr = "NULLIF(SPLIT_PART(src.location, ', ', 2), '')")]
    pub states: Option<String>,
}

/// Sparkify's tables plus `locations`.
pub fn schema() -> Schema {
    Schema::new([
        &<StagingEvent as StagingTable>::TABLE,
        &<StagingSong as StagingTable>::TABLE,
        &<User as DimTable>::TABLE,
        &<Song as DimTable>::TABLE,
        &<Artist as DimTable>::TABLE,
        &<Time as DimTable>::TABLE,
        &<Location as DimTable>::TABLE,
        &<SongPlay as FactTable>::TABLE,
    ])
    .expect("the extended schema is consistent")
}
