// `Row` only reads query results; physical options do not apply.
use dwh_core::Row;

#[derive(Row)]
pub struct TopSong {
    #[dwh(varchar = 256)]
    pub title: String,
    pub plays: i64,
}

fn main() {}
