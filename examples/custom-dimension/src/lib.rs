//! A user-defined dimension added to the Sparkify schema without touching
//! dwh-core: where listeners are, split into city and state.
//!
//! `location` in the logs reads like `"San Francisco-Oakland-Hayward, CA"`:
//! a metropolitan area, a comma, and one or more state codes.
//!
//! It is a warehouse of its own: `cargo run -p dwh-example-custom-dimension
//! -- all` (or `ddl`, `diagram`, `check`, …) runs every dwh subcommand on
//! [`project`] through `dwh_cli::main`.

use dwh_core::sql::Limit;
use dwh_core::{Analysis, DimTable, FactTable, Project, Row, Schema, StagingTable};
use serde::{Deserialize, Serialize};
use sparkify::{Artist, Song, SongPlay, StagingEvent, StagingSong, Time, User};

// ANCHOR: location
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
// ANCHOR_END: location

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

/// Listeners' plays per metropolitan area, from the new dimension.
#[derive(Debug, Clone, PartialEq, Row, Serialize, Deserialize)]
pub struct PlaysByMetro {
    pub metro_area: String,
    pub plays: i64,
}

/// The most played metropolitan areas: `songplays` joined with `locations`.
pub fn top_metro_areas(top: Limit) -> String {
    format!(
        "SELECT l.metro_area, COUNT(*) AS plays FROM songplays sp \
         JOIN locations l ON l.location = sp.location \
         GROUP BY l.metro_area ORDER BY plays DESC, l.metro_area LIMIT {top}"
    )
}

/// Sparkify plus `locations` as a warehouse of its own: Sparkify's data
/// folders, generator and analyses, and one analysis of the new dimension.
pub fn project() -> Project {
    Project::new("sparkify-locations", schema())
        .source::<StagingEvent>("log_data", "*.json")
        .source::<StagingSong>("song_data", "*.json")
        .analyses(sparkify::analysis::analyses())
        .analysis(Analysis::new::<PlaysByMetro>(
            "top_metro_areas",
            "Top metropolitan areas",
            top_metro_areas,
        ))
        // Sparkify's charts; the extra analysis is not drawn.
        .charts(sparkify::analysis::charts::from_results)
        .generator(sparkify::gen::Sparkify)
        .build()
        .expect("the extended project is consistent")
}
