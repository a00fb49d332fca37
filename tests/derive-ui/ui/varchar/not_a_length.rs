// `varchar` takes a byte count or `max`.
use dwh_core::StagingTable;

#[derive(StagingTable)]
pub struct Event {
    #[dwh(varchar = "256")]
    pub page: String,
    #[dwh(varchar = -1)]
    pub level: String,
    #[dwh(varchar = unlimited)]
    pub agent: String,
}

fn main() {}
