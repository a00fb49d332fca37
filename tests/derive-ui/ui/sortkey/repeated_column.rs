// The same column twice in one sort key.
use dwh_core::StagingTable;

#[derive(StagingTable)]
#[dwh(sortkey(id, session_id, id))]
pub struct Event {
    pub id: i64,
    pub session_id: i32,
}

fn main() {}
