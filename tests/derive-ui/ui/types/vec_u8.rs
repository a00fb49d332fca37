// `Vec<u8>` has no SQL column type: the error points at the field's type.
use dwh_core::StagingTable;

#[derive(StagingTable)]
pub struct Event {
    pub id: i64,
    pub payload: Vec<u8>,
}

fn main() {}
