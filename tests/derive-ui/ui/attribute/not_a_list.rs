// `#[dwh]` without arguments.
use dwh_core::StagingTable;

#[derive(StagingTable)]
#[dwh]
pub struct Event {
    pub id: i64,
}

fn main() {}
