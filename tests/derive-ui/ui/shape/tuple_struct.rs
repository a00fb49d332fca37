// Columns need names: a tuple struct has none.
use dwh_core::StagingTable;

#[derive(StagingTable)]
pub struct Event(pub i64, pub i32);

fn main() {}
