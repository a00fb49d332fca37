// A struct-level key written on a field.
use dwh_core::StagingTable;

#[derive(StagingTable)]
pub struct Event {
    #[dwh(sortkey)]
    pub id: i64,
}

fn main() {}
