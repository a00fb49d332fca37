// An encoding Redshift does not have; a close one is suggested.
use dwh_core::StagingTable;

#[derive(StagingTable)]
pub struct Event {
    #[dwh(encode = zstdd)]
    pub id: i64,
}

fn main() {}
