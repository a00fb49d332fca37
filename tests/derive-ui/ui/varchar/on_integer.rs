// `varchar` gives the length of a text column; this one is an integer.
use dwh_core::StagingTable;

#[derive(StagingTable)]
pub struct Event {
    #[dwh(varchar = 16)]
    pub session_id: i32,
}

fn main() {}
