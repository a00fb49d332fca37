// AZ64 compresses numbers, dates and timestamps, not text.
use dwh_core::StagingTable;

#[derive(StagingTable)]
pub struct Event {
    #[dwh(varchar = 32, encode = az64)]
    pub page: String,
}

fn main() {}
