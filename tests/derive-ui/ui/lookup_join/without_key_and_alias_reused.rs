// A join needs its `key`, and its alias must differ from every other.
use dwh_core::{DimTable, FactTable, StagingTable};

#[derive(StagingTable)]
pub struct StagingPlay {
    pub ts: i64,
    #[dwh(varchar = 64)]
    pub song: Option<String>,
}

#[derive(DimTable)]
#[dwh(source = StagingPlay)]
pub struct Song {
    #[dwh(natural_key, varchar = 64, from = "song")]
    pub title: String,
}

#[derive(FactTable)]
#[dwh(
    source = StagingPlay,
    lookup(
        table = Song,
        alias = "s",
        on(title = "src.song"),
        join(table = Song, alias = "t", on(title = "src.song")),
        join(table = Song, alias = "s", key(title = "s.title"), joined(x = "y"))
    )
)]
pub struct Play {
    #[dwh(natural_key)]
    pub ts: i64,
}

fn main() {}
