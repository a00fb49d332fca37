// IDENTITY generates integers, not floating-point numbers.
use dwh_core::{DimTable, StagingTable};

#[derive(StagingTable)]
pub struct StagingUser {
    pub user_id: i32,
}

#[derive(DimTable)]
#[dwh(source = StagingUser)]
pub struct User {
    #[dwh(identity)]
    pub user_key: f64,
    #[dwh(natural_key)]
    pub user_id: i32,
}

fn main() {}
