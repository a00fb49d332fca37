// Two fields mapped to the same column name.
use dwh_core::StagingTable;

#[derive(StagingTable)]
pub struct Event {
    pub user_id: i32,
    #[dwh(column = "user_id")]
    pub user: i32,
}

fn main() {}
