// DISTSTYLE ALL copies the table to every node: a DISTKEY contradicts it.
use dwh_core::StagingTable;

#[derive(StagingTable)]
#[dwh(diststyle = all, distkey = id)]
pub struct Event {
    pub id: i64,
}

fn main() {}
