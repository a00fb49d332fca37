// `Row` reads query results; columns may be renamed.
use dwh_core::{FromRow, Row};

#[derive(Row)]
pub struct TopSong {
    pub title: String,
    #[dwh(column = "play_count")]
    pub plays: i64,
    pub year: Option<i16>,
}

fn main() {
    assert_eq!(TopSong::COLUMNS, ["title", "play_count", "year"]);
}
