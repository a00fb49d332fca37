// A diststyle Redshift does not have; a close one is suggested.
use dwh_core::StagingTable;

#[derive(StagingTable)]
#[dwh(diststyle = evn)]
pub struct Event {
    pub id: i64,
}

fn main() {}
