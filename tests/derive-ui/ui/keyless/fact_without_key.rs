// A fact with neither a natural key nor `keyless`: the message offers both.
use dwh_core::{FactTable, StagingTable};

#[derive(StagingTable)]
pub struct StagingEvent {
    pub at: Option<i64>,
}

#[derive(FactTable)]
#[dwh(source = StagingEvent)]
pub struct Event {
    pub at: i64,
}

fn main() {}
