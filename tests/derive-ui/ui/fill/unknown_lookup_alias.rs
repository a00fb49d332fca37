// `from = "alias.column"` must use the alias of a declared lookup.
use dwh_core::{FactTable, StagingTable};

#[derive(StagingTable)]
pub struct StagingEvent {
    pub user_id: i32,
    #[dwh(varchar = 256)]
    pub song: String,
}

#[derive(StagingTable)]
pub struct StagingSong {
    #[dwh(varchar = 32)]
    pub song_id: String,
    #[dwh(varchar = 256)]
    pub title: String,
}

#[derive(FactTable)]
#[dwh(
    source = StagingEvent,
    lookup(table = StagingSong, alias = "songs", on(title = "src.song"))
)]
pub struct Play {
    #[dwh(natural_key)]
    pub user_id: i32,
    #[dwh(from = "nope.song_id", varchar = 32)]
    pub song_id: Option<String>,
}

fn main() {}
