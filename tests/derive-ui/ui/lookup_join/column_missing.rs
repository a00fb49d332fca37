// Every column a join names, in `key` or `on`, must be a column of the
// joined table.
use dwh_core::{DimTable, FactTable, StagingTable};

#[derive(StagingTable)]
pub struct StagingPlay {
    pub ts: i64,
    #[dwh(varchar = 64)]
    pub song: Option<String>,
    #[dwh(varchar = 64)]
    pub artist: Option<String>,
}

#[derive(DimTable)]
#[dwh(source = StagingPlay)]
pub struct Song {
    #[dwh(natural_key, varchar = 64, from = "song")]
    pub title: String,
    #[dwh(varchar = 64, from = "artist")]
    pub artist_name: String,
}

#[derive(DimTable)]
#[dwh(source = StagingPlay)]
pub struct Artist {
    #[dwh(natural_key, varchar = 64, from = "artist")]
    pub name: String,
}

#[derive(FactTable)]
#[dwh(
    source = StagingPlay,
    lookup(
        table = Song,
        alias = "s",
        on(title = "src.song"),
        join(table = Artist, alias = "a", key(artist_name = "s.artist_name"), on(nmae = "src.artist"))
    )
)]
pub struct Play {
    #[dwh(natural_key)]
    pub ts: i64,
    #[dwh(varchar = 64, from = "a.name")]
    pub artist: Option<String>,
}

fn main() {}
