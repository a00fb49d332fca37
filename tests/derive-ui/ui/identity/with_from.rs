// The database fills an IDENTITY column; it cannot also come from the source.
use dwh_core::{DimTable, StagingTable};

#[derive(StagingTable)]
pub struct StagingUser {
    pub user_id: i32,
}

#[derive(DimTable)]
#[dwh(source = StagingUser)]
pub struct User {
    #[dwh(identity, from = "user_id")]
    pub user_key: i64,
    #[dwh(natural_key)]
    pub user_id: i32,
}

fn main() {}
