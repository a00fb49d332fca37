// `epoch_millis` converts epoch milliseconds into a timestamp column.
use dwh_core::StagingTable;

#[derive(StagingTable)]
pub struct Event {
    #[dwh(epoch_millis)]
    pub ts: i64,
}

fn main() {}
