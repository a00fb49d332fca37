// A table needs at least one column.
use dwh_core::StagingTable;

#[derive(StagingTable)]
pub struct Event {}

fn main() {}
