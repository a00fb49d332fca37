// `Duration` has no SQL column type, also inside an `Option`.
use dwh_core::StagingTable;

#[derive(StagingTable)]
pub struct Event {
    pub id: i64,
    pub length: Option<std::time::Duration>,
}

fn main() {}
