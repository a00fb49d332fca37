// Redshift's longest VARCHAR is 65535 bytes.
use dwh_core::StagingTable;

#[derive(StagingTable)]
pub struct Event {
    #[dwh(varchar = 70000)]
    pub page: String,
}

fn main() {}
