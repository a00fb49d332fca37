// The struct-level `distkey` must name a field; a close name is suggested.
use chrono::NaiveDateTime;
use dwh_core::StagingTable;

#[derive(StagingTable)]
#[dwh(distkey = start_tme)]
pub struct Event {
    pub start_time: NaiveDateTime,
}

fn main() {}
