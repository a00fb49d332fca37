//! A deterministic generator of Sparkify-shaped data, for tests and
//! benchmarks at any scale: the same [`GenConfig`] always yields
//! byte-identical files.
//!
//! [`Sparkify`] plugs it into the project as its [`Generator`]: `dwh gen`
//! and `dwh all` without `--data` call it.
//!
//! # Layout under `out`
//!
//! - `song_data/`: the song catalogue, objects shaped (keys, order, spacing)
//!   like the Million Song Dataset subset of the sample:
//!   `{"num_songs": 1, "artist_id": "AR…", "artist_latitude": null, …, "year": 0}`.
//!   - Up to 1,000 songs: one object per file, no trailing newline, at
//!     `song_data/X/Y/Z/TRXYZ….json` (X, Y, Z = letters 3–5 of the track
//!     id), like the sample.
//!   - More songs: JSON lines, 10,000 songs per file, at
//!     `song_data/songs-000000.json`, `songs-000001.json`, … (millions of
//!     tiny files are slow to write, list and COPY).
//! - `log_data/YYYY/MM/YYYY-MM-DD-events.json`: app events as JSON lines,
//!   keys in the sample's order, from 2018-11-01 on. Events are spread over
//!   at least 30 days at about 80,000 a day, and a file never holds more than
//!   100,000 (a full day skips to the next).
//!
//! Existing files with the same names are overwritten; nothing is deleted.
//!
//! # What the data guarantees
//!
//! - Every event has its own `ts` (epoch ms, strictly increasing through the
//!   files), so `(ts, userId)` is unique among NextSong events.
//! - NextSong events (~85%) carry `artist`, `song` and `length`; other pages
//!   have them null. A share `match_rate` of them copy title, artist name and
//!   duration exactly (same text) from a catalogue song; the others use words
//!   that never occur in the catalogue, so they match nothing.
//! - Catalogue songs have distinct durations (up to 36M songs), so a play
//!   matches at most one song by (title, artist_name, duration).
//! - Logged-out events (~3.5%) have `userId` `""`, auth `Logged Out`, a level
//!   and null name, gender, location, registration and user agent.
//! - Some users upgrade free → paid mid-stream (Upgrade, Submit Upgrade,
//!   then `level` is `paid`); a few downgrade.
//! - Some songs have `year` 0 and null coordinates; some strings need JSON
//!   escaping (quotes, backslash, `/`, non-ASCII). Like the sample, non-ASCII
//!   is written as `\uXXXX`, and the event logs also write `/` as `\/`.
//!
//! Memory is O(users): songs are regenerated from (seed, index) on demand
//! and events are streamed to disk.

mod catalog;
mod events;
mod json;
mod rng;
mod vocab;

#[cfg(test)]
mod tests;

use std::io;
use std::path::Path;

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct GenConfig {
    /// Events in `log_data/`.
    pub events: u64,
    /// Songs in `song_data/`.
    pub songs: u64,
    /// Seed of the random generator: the same config writes the same bytes.
    pub seed: u64,
    /// Share of NextSong events that exactly match a catalogue song by
    /// title, artist name and duration, in `[0, 1]`.
    pub match_rate: f64,
    /// Users to draw sessions from; by default one per 83 events, as in the
    /// sample. Users without a logged-in event do not appear in the files.
    pub users: Option<u64>,
}

impl Default for GenConfig {
    fn default() -> Self {
        GenConfig {
            events: 10_000,
            songs: 1_000,
            seed: 0,
            match_rate: 0.3,
            users: None,
        }
    }
}

/// What was written; every count is what a reader of the files would find.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GenSummary {
    /// Events written.
    pub events: u64,
    /// Of them, `NextSong` events (song plays).
    pub next_song_events: u64,
    /// Songs written.
    pub songs: u64,
    /// Distinct `artist_id`s in the song files.
    pub artists: u64,
    /// Distinct non-empty `userId`s in the event files.
    pub users: u64,
    /// NextSong events matching a song by (title, artist_name, duration).
    pub matched_plays: u64,
    /// Event files written.
    pub event_files: u64,
    /// Song files written.
    pub song_files: u64,
    /// Bytes written, all files.
    pub bytes: u64,
}

/// File-size limits, fixed for [`generate`] and shrunk by tests.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub(crate) max_events_per_file: u64,
    pub(crate) events_per_day: u64,
    pub(crate) max_songs_one_per_file: u64,
    pub(crate) songs_per_file: u64,
}

impl Limits {
    pub(crate) const DEFAULT: Limits = Limits {
        max_events_per_file: 100_000,
        events_per_day: 80_000,
        max_songs_one_per_file: 1_000,
        songs_per_file: 10_000,
    };
}

/// Writes `song_data/` and `log_data/` under `out` (created if missing).
pub fn generate(config: &GenConfig, out: &Path) -> io::Result<GenSummary> {
    generate_with(config, out, &Limits::DEFAULT)
}

pub(crate) fn generate_with(
    config: &GenConfig,
    out: &Path,
    limits: &Limits,
) -> io::Result<GenSummary> {
    validate(config)?;
    let catalog = catalog::Catalog::new(config.seed, config.songs);
    let songs = catalog::write_songs(&catalog, out, limits)?;
    let events = events::write_events(config, &catalog, out, limits)?;
    Ok(GenSummary {
        events: events.events,
        next_song_events: events.next_song,
        songs: catalog.songs,
        artists: catalog.artists,
        users: events.users,
        matched_plays: events.matched,
        event_files: events.files,
        song_files: songs.files,
        bytes: songs.bytes + events.bytes,
    })
}

/// Writes `log_data/` under `out` with one more day of `events` events,
/// the `extra`-th day (from 1) after the data set `config` generates: the
/// same users and catalogue, later times, so that it loads into a warehouse
/// of that data set as the next day would (a benchmark's "new day").
/// Different `extra` give different days; the same arguments the same bytes.
pub fn generate_extra_day(
    config: &GenConfig,
    extra: u64,
    events: u64,
    out: &Path,
) -> io::Result<GenSummary> {
    validate(config)?;
    if extra == 0 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "extra days count from 1",
        ));
    }
    let catalog = catalog::Catalog::new(config.seed, config.songs);
    let limits = Limits::DEFAULT;
    let events = events::write_extra_day(config, &catalog, out, &limits, (extra, events))?;
    Ok(GenSummary {
        events: events.events,
        next_song_events: events.next_song,
        songs: 0,
        artists: 0,
        users: events.users,
        matched_plays: events.matched,
        event_files: events.files,
        song_files: 0,
        bytes: events.bytes,
    })
}

/// Most events [`generate`] writes: some 350 GB of JSON, far past any
/// benchmark, and well inside the counters' range.
pub const MAX_EVENTS: u64 = 1_000_000_000;
/// Most songs [`generate`] writes (a thousand files of 10,000 at most).
pub const MAX_SONGS: u64 = 10_000_000;

fn validate(config: &GenConfig) -> io::Result<()> {
    let invalid = |msg: &str| Err(io::Error::new(io::ErrorKind::InvalidInput, msg.to_owned()));
    if config.events > MAX_EVENTS {
        return invalid(&format!(
            "at most {MAX_EVENTS} events, not {}",
            config.events
        ));
    }
    if config.songs > MAX_SONGS {
        return invalid(&format!("at most {MAX_SONGS} songs, not {}", config.songs));
    }
    if !(0.0..=1.0).contains(&config.match_rate) {
        return invalid("match_rate must be within [0, 1]");
    }
    if config.users == Some(0) && config.events > 0 {
        return invalid("events need at least one user");
    }
    Ok(())
}

/// The generator as the project's [`Generator`]: `size` events, with a
/// song catalogue of one song per 20 events (at least 50), as `dwh all`
/// has always generated.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sparkify;

impl Sparkify {
    /// The configuration for `events` events and `seed`.
    pub fn config(events: u64, seed: u64) -> GenConfig {
        GenConfig {
            events,
            songs: (events / 20).clamp(50, MAX_SONGS),
            seed,
            ..GenConfig::default()
        }
    }
}

impl dwh_core::project::Generator for Sparkify {
    fn unit(&self) -> &'static str {
        "events"
    }

    fn default_size(&self) -> u64 {
        20_000
    }

    fn max_size(&self) -> u64 {
        MAX_EVENTS
    }

    fn generate(
        &self,
        out: &Path,
        size: u64,
        seed: u64,
    ) -> Result<dwh_core::project::GenSummary, dwh_core::project::GenError> {
        let s = generate(&Sparkify::config(size, seed), out)?;
        Ok(dwh_core::project::GenSummary {
            files: s.event_files + s.song_files,
            bytes: s.bytes,
            lines: vec![
                format!(
                    "log_data: {} events ({} song plays, {} matching a song) by {} users",
                    s.events, s.next_song_events, s.matched_plays, s.users
                ),
                format!("song_data: {} songs by {} artists", s.songs, s.artists),
            ],
        })
    }
}
