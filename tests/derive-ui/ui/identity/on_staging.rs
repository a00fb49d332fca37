// Staging tables hold source rows as they are: no IDENTITY.
use dwh_core::StagingTable;

#[derive(StagingTable)]
pub struct Event {
    #[dwh(identity)]
    pub id: i64,
}

fn main() {}
