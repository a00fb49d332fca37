// A join's `key` relates the joined table to the looked-up one; the source
// is not visible inside the lookup's parentheses, so `src.` belongs in `on`.
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
        join(table = Artist, alias = "a", key(name = "src.artist"))
    )
)]
pub struct Play {
    #[dwh(natural_key)]
    pub ts: i64,
    #[dwh(varchar = 64, from = "a.name")]
    pub artist: Option<String>,
}

fn main() {}
