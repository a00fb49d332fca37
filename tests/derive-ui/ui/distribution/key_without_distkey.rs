// DISTSTYLE KEY distributes rows by a DISTKEY column, and none is given.
use dwh_core::StagingTable;

#[derive(StagingTable)]
#[dwh(diststyle = key)]
pub struct Event {
    pub id: i64,
}

fn main() {}
