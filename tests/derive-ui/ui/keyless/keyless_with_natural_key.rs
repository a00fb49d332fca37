// `keyless` says the fact has no natural key; marking one contradicts it.
use dwh_core::{FactTable, StagingTable};

#[derive(StagingTable)]
pub struct StagingEvent {
    pub at: Option<i64>,
}

#[derive(FactTable)]
#[dwh(source = StagingEvent, keyless)]
pub struct Event {
    #[dwh(natural_key)]
    pub at: i64,
}

fn main() {}
