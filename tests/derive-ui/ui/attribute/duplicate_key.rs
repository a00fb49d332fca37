// The same key twice, here across two attributes: the repeat is reported.
use dwh_core::StagingTable;

#[derive(StagingTable)]
#[dwh(table = "events")]
#[dwh(table = "staging_events")]
pub struct Event {
    pub id: i64,
}

fn main() {}
