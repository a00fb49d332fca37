// A fact looks a song up in dimensions: songs joined with their artists,
// matched on title and artist name together.
use dwh_core::{DimTable, FactTable, StagingTable};

#[derive(StagingTable)]
pub struct StagingPlay {
    pub ts: i64,
    #[dwh(varchar = 64)]
    pub song: Option<String>,
    #[dwh(varchar = 64)]
    pub artist: Option<String>,
}

#[derive(StagingTable)]
pub struct StagingSong {
    #[dwh(varchar = 32)]
    pub song_id: Option<String>,
    #[dwh(varchar = 64)]
    pub title: Option<String>,
    #[dwh(varchar = 32)]
    pub artist_id: Option<String>,
    #[dwh(varchar = 64)]
    pub artist_name: Option<String>,
}

#[derive(DimTable)]
#[dwh(source = StagingSong)]
pub struct Song {
    #[dwh(natural_key, varchar = 32)]
    pub song_id: String,
    #[dwh(varchar = 64)]
    pub title: String,
    #[dwh(varchar = 32)]
    pub artist_id: String,
}

#[derive(DimTable)]
#[dwh(source = StagingSong)]
pub struct Artist {
    #[dwh(natural_key, varchar = 32)]
    pub artist_id: String,
    #[dwh(varchar = 64, from = "artist_name")]
    pub name: String,
}

#[derive(FactTable)]
#[dwh(
    source = StagingPlay,
    lookup(
        table = Song,
        alias = "s",
        on(title = "src.song"),
        join(table = Artist, alias = "a", key(artist_id = "s.artist_id"), on(name = "src.artist"))
    )
)]
pub struct Play {
    #[dwh(natural_key)]
    pub ts: i64,
    #[dwh(varchar = 32, from = "s.song_id", references = Song)]
    pub song_id: Option<String>,
    #[dwh(varchar = 32, from = "a.artist_id", references = Artist)]
    pub artist_id: Option<String>,
}

fn main() {
    let load = <Play as FactTable>::TABLE.load.unwrap();
    assert_eq!(load.lookups[0].joins[0].alias, "a");
    assert_eq!(load.lookups[0].joins[0].key, &[("artist_id", "s.artist_id")]);
}
