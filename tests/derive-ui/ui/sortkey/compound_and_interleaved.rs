// A table has one sort key, either compound or interleaved.
use dwh_core::StagingTable;

#[derive(StagingTable)]
#[dwh(sortkey(id), interleaved_sortkey(id, session_id))]
pub struct Event {
    pub id: i64,
    pub session_id: i32,
}

fn main() {}
