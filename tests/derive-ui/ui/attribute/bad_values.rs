// Values of the wrong kind: each is reported at the value, and the keys
// after a bad value are still checked.
use dwh_core::StagingTable;

#[derive(StagingTable)]
#[dwh(table = events, diststyle = "even", sortky(id))]
pub struct Event {
    #[dwh(encode = "zstd", natural_ky)]
    pub id: i64,
}

fn main() {}
