//! The song catalogue: songs and artists are pure functions of (seed, index),
//! so the event generator can regenerate song `i` for a matching play without
//! holding the catalogue in memory.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::Path;

use super::json::{push_fixed5, push_opt_fixed5, push_str, push_u64};
use super::rng::{mix64, stream_key, Rng};
use super::vocab::{ARTIST_LOCATIONS, CATALOGUE};
use super::Limits;

const STREAM_SONG: u64 = 1;
const STREAM_ARTIST: u64 = 2;
const STREAM_SONG_ID: u64 = 3;
const STREAM_ARTIST_ID: u64 = 4;
const STREAM_TRACK_ID: u64 = 5;

/// Durations are `MIN_DURATION + (i * DURATION_STEP + offset) mod
/// DURATION_SPAN` in units of 1e-5 s: a bijection on the span (the step is
/// coprime to it), so songs have distinct durations and (title, artist_name,
/// duration) identifies at most one song for up to 36M songs. The step is
/// about the golden ratio of the span, which spreads durations evenly.
const MIN_DURATION: i64 = 60 * 100_000;
const DURATION_SPAN: u64 = 360 * 100_000;
const DURATION_STEP: u64 = 22_249_223;

#[derive(Debug, Default)]
pub(crate) struct Song {
    pub(crate) artist: u64,
    pub(crate) title: String,
    /// Seconds × 1e5.
    pub(crate) duration_e5: i64,
    /// 0 when unknown, as in the Million Song Dataset.
    pub(crate) year: u32,
}

#[derive(Debug, Default)]
pub(crate) struct Artist {
    pub(crate) name: String,
    pub(crate) location: &'static str,
    /// Degrees × 1e5; `None` for the many artists without coordinates.
    pub(crate) lat_lon_e5: Option<(i64, i64)>,
}

pub(crate) struct Catalog {
    seed: u64,
    pub(crate) songs: u64,
    pub(crate) artists: u64,
}

impl Catalog {
    /// Two artists per three songs: every artist has at least one song and
    /// some have several.
    pub(crate) fn new(seed: u64, songs: u64) -> Self {
        let artists = (songs * 2).div_ceil(3);
        Catalog {
            seed,
            songs,
            artists,
        }
    }

    pub(crate) fn song(&self, i: u64, out: &mut Song) {
        let mut rng = Rng::keyed(stream_key(self.seed, STREAM_SONG), i);
        // The first `artists` songs cover every artist once, so the number of
        // distinct artists in the files is exactly `self.artists`.
        out.artist = if i < self.artists {
            i
        } else {
            rng.below(self.artists)
        };
        CATALOGUE.title(&mut rng, &mut out.title);
        let offset = stream_key(self.seed, STREAM_SONG) % DURATION_SPAN;
        let step = (u128::from(i) * u128::from(DURATION_STEP) + u128::from(offset))
            % u128::from(DURATION_SPAN);
        out.duration_e5 = MIN_DURATION + step as i64;
        out.year = if rng.chance(0.45) {
            0
        } else {
            1955 + rng.below(56) as u32
        };
    }

    pub(crate) fn artist(&self, a: u64, out: &mut Artist) {
        let mut rng = Rng::keyed(stream_key(self.seed, STREAM_ARTIST), a);
        CATALOGUE.artist_name(&mut rng, &mut out.name);
        out.location = if rng.chance(0.4) {
            ""
        } else {
            rng.pick(ARTIST_LOCATIONS)
        };
        out.lat_lon_e5 = rng.chance(0.45).then(|| {
            let lat = rng.below(110 * 100_000) as i64 - 45 * 100_000;
            let lon = rng.below(300 * 100_000) as i64 - 150 * 100_000;
            (lat, lon)
        });
    }

    pub(crate) fn song_id(&self, i: u64) -> [u8; 18] {
        make_id(*b"SO", stream_key(self.seed, STREAM_SONG_ID), i)
    }

    pub(crate) fn artist_id(&self, a: u64) -> [u8; 18] {
        make_id(*b"AR", stream_key(self.seed, STREAM_ARTIST_ID), a)
    }

    /// Names the song's file in one-file-per-song mode, like `TRAAAAW128F429D538`.
    pub(crate) fn track_id(&self, i: u64) -> [u8; 18] {
        make_id(*b"TR", stream_key(self.seed, STREAM_TRACK_ID), i)
    }
}

/// `prefix` + 3 letters + 13 base-36 digits of a bijection of `index`: 36^13
/// exceeds 2^64, so ids are unique per stream; the letters (which also name
/// the song directories) are only decoration.
fn make_id(prefix: [u8; 2], key: u64, index: u64) -> [u8; 18] {
    const ALNUM: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut id = [0u8; 18];
    id[..2].copy_from_slice(&prefix);
    let mut v = mix64(index ^ key);
    let mut h = mix64(v ^ key);
    for c in &mut id[2..5] {
        *c = b'A' + (h % 26) as u8;
        h /= 26;
    }
    for c in id[5..].iter_mut().rev() {
        *c = ALNUM[(v % 36) as usize];
        v /= 36;
    }
    id
}

/// Files and bytes written.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Written {
    pub(crate) files: u64,
    pub(crate) bytes: u64,
}

/// Writes `song_data/`: one object per file (`A/B/C/TR….json`, no trailing
/// newline, like the sample) up to `limits.max_songs_one_per_file` songs,
/// otherwise JSON lines in `songs-NNNNNN.json` files of
/// `limits.songs_per_file` songs.
pub(crate) fn write_songs(cat: &Catalog, out: &Path, limits: &Limits) -> io::Result<Written> {
    let dir = out.join("song_data");
    fs::create_dir_all(&dir)?;
    if cat.songs <= limits.max_songs_one_per_file {
        write_song_per_file(cat, &dir)
    } else {
        write_song_lines(cat, &dir, limits.songs_per_file.max(1))
    }
}

fn write_song_per_file(cat: &Catalog, dir: &Path) -> io::Result<Written> {
    let mut written = Written::default();
    let (mut song, mut artist, mut buf) = (Song::default(), Artist::default(), Vec::new());
    for i in 0..cat.songs {
        buf.clear();
        render_song(cat, i, &mut song, &mut artist, &mut buf);
        let track = cat.track_id(i);
        let track = std::str::from_utf8(&track).expect("ids are ASCII");
        let sub = dir.join(&track[2..3]).join(&track[3..4]).join(&track[4..5]);
        fs::create_dir_all(&sub)?;
        fs::write(sub.join(format!("{track}.json")), &buf)?;
        written.files += 1;
        written.bytes += buf.len() as u64;
    }
    Ok(written)
}

fn write_song_lines(cat: &Catalog, dir: &Path, per_file: u64) -> io::Result<Written> {
    let mut written = Written::default();
    let (mut song, mut artist, mut buf) = (Song::default(), Artist::default(), Vec::new());
    for first in (0..cat.songs).step_by(per_file as usize) {
        let path = dir.join(format!("songs-{:06}.json", written.files));
        let mut file = BufWriter::with_capacity(1 << 20, File::create(path)?);
        for i in first..(first + per_file).min(cat.songs) {
            buf.clear();
            render_song(cat, i, &mut song, &mut artist, &mut buf);
            buf.push(b'\n');
            file.write_all(&buf)?;
            written.bytes += buf.len() as u64;
        }
        file.into_inner().map_err(io::IntoInnerError::into_error)?;
        written.files += 1;
    }
    Ok(written)
}

/// One song object, keys and spacing as in the sample (Python's `json.dumps`).
fn render_song(cat: &Catalog, i: u64, song: &mut Song, artist: &mut Artist, buf: &mut Vec<u8>) {
    cat.song(i, song);
    cat.artist(song.artist, artist);
    buf.extend_from_slice(b"{\"num_songs\": 1, \"artist_id\": \"");
    buf.extend_from_slice(&cat.artist_id(song.artist));
    buf.extend_from_slice(b"\", \"artist_latitude\": ");
    push_opt_fixed5(buf, artist.lat_lon_e5.map(|(lat, _)| lat));
    buf.extend_from_slice(b", \"artist_longitude\": ");
    push_opt_fixed5(buf, artist.lat_lon_e5.map(|(_, lon)| lon));
    buf.extend_from_slice(b", \"artist_location\": ");
    push_str(buf, artist.location, false);
    buf.extend_from_slice(b", \"artist_name\": ");
    push_str(buf, &artist.name, false);
    buf.extend_from_slice(b", \"song_id\": \"");
    buf.extend_from_slice(&cat.song_id(i));
    buf.extend_from_slice(b"\", \"title\": ");
    push_str(buf, &song.title, false);
    buf.extend_from_slice(b", \"duration\": ");
    push_fixed5(buf, song.duration_e5);
    buf.extend_from_slice(b", \"year\": ");
    push_u64(buf, u64::from(song.year));
    buf.push(b'}');
}
