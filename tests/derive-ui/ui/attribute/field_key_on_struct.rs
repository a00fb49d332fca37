// A field-level key written on the struct.
use dwh_core::StagingTable;

#[derive(StagingTable)]
#[dwh(encode = zstd)]
pub struct Event {
    pub id: i64,
}

fn main() {}
