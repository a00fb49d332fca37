// A sort key with no columns.
use dwh_core::StagingTable;

#[derive(StagingTable)]
#[dwh(sortkey())]
pub struct Event {
    pub id: i64,
}

fn main() {}
