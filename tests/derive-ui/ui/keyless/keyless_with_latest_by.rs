// A keyless fact keeps every source row: there is no row per key to pick.
use dwh_core::{FactTable, StagingTable};

#[derive(StagingTable)]
pub struct StagingEvent {
    pub at: Option<i64>,
}

#[derive(FactTable)]
#[dwh(source = StagingEvent, keyless, latest_by = "src.at")]
pub struct Event {
    pub at: i64,
}

fn main() {}
