// A `String` column needs an explicit byte length.
use dwh_core::StagingTable;

#[derive(StagingTable)]
pub struct Event {
    pub page: Option<String>,
}

fn main() {}
