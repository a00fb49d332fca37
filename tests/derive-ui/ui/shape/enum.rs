// Tables are structs.
use dwh_core::StagingTable;

#[derive(StagingTable)]
pub enum Event {
    Play { id: i64 },
}

fn main() {}
