// `sortkey` takes a parenthesized list of fields, not `= field`.
use dwh_core::StagingTable;

#[derive(StagingTable)]
#[dwh(sortkey = id)]
pub struct Event {
    pub id: i64,
}

fn main() {}
