// `keyless` is a flag.
use dwh_core::{FactTable, StagingTable};

#[derive(StagingTable)]
pub struct StagingEvent {
    pub at: Option<i64>,
}

#[derive(FactTable)]
#[dwh(source = StagingEvent, keyless = true)]
pub struct Event {
    pub at: i64,
}

fn main() {}
