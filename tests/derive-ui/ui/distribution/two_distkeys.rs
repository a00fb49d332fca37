// A table distributes by one column at most.
use dwh_core::StagingTable;

#[derive(StagingTable)]
pub struct Event {
    #[dwh(distkey)]
    pub id: i64,
    #[dwh(distkey)]
    pub session_id: i32,
}

fn main() {}
