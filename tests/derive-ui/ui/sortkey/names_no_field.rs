// A sort key column must be a field; a close name is suggested.
use chrono::NaiveDateTime;
use dwh_core::StagingTable;

#[derive(StagingTable)]
#[dwh(sortkey(start_tme, session_id))]
pub struct Event {
    pub start_time: NaiveDateTime,
    pub session_id: i32,
}

fn main() {}
