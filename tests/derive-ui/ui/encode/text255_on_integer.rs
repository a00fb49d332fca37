// TEXT255 compresses words in VARCHAR columns only.
use dwh_core::StagingTable;

#[derive(StagingTable)]
pub struct Event {
    #[dwh(encode = text255)]
    pub session_id: i32,
}

fn main() {}
