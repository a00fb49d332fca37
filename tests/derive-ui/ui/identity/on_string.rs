// IDENTITY generates integers.
use dwh_core::{DimTable, StagingTable};

#[derive(StagingTable)]
pub struct StagingUser {
    pub user_id: i32,
}

#[derive(DimTable)]
#[dwh(source = StagingUser)]
pub struct User {
    #[dwh(identity, varchar = 32)]
    pub user_key: String,
    #[dwh(natural_key)]
    pub user_id: i32,
}

fn main() {}
