// VARCHAR(0) does not exist.
use dwh_core::StagingTable;

#[derive(StagingTable)]
pub struct Event {
    #[dwh(varchar = 0)]
    pub page: String,
}

fn main() {}
