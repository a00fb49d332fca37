// A fact table with an IDENTITY key, a lookup and foreign keys to dimensions.
use chrono::NaiveDateTime;
use dwh_core::{DimTable, FactTable, StagingTable};

#[derive(StagingTable)]
#[dwh(diststyle = even)]
pub struct StagingEvent {
    #[dwh(json = "userId")]
    pub user_id: i32,
    #[dwh(varchar = 256)]
    pub song: Option<String>,
    #[dwh(epoch_millis)]
    pub ts: NaiveDateTime,
}

#[derive(StagingTable)]
#[dwh(diststyle = all)]
pub struct StagingSong {
    #[dwh(varchar = 32)]
    pub song_id: String,
    #[dwh(varchar = 256)]
    pub title: String,
}

#[derive(DimTable)]
#[dwh(
    table = "users",
    diststyle = all,
    source = StagingEvent,
    latest_by = "src.ts",
    tie_break = "src.user_id"
)]
pub struct User {
    #[dwh(natural_key)]
    pub user_id: i32,
}

#[derive(DimTable)]
#[dwh(table = "songs", diststyle = all, sortkey(song_id), source = StagingSong)]
pub struct Song {
    #[dwh(natural_key, varchar = 32, encode = raw)]
    pub song_id: String,
    #[dwh(varchar = 256, encode = zstd)]
    pub title: String,
}

#[derive(FactTable)]
#[dwh(
    table = "plays",
    sortkey(start_time),
    source = StagingEvent,
    lookup(table = StagingSong, alias = "s", on(title = "src.song"))
)]
pub struct Play {
    #[dwh(identity, encode = az64)]
    pub play_id: i64,
    #[dwh(natural_key, distkey, from = "src.ts", encode = raw)]
    pub start_time: NaiveDateTime,
    #[dwh(natural_key, references = User, encode = az64)]
    pub user_id: i32,
    #[dwh(from = "s.song_id", references = Song, varchar = 32, encode = zstd)]
    pub song_id: Option<String>,
}

fn main() {
    let table = <Play as FactTable>::TABLE;
    assert_eq!(table.dist_key, Some("start_time"));
    assert_eq!(table.primary_key, ["play_id"]);
}
