// `natural_key` is a flag: it takes no value.
use dwh_core::{DimTable, StagingTable};

#[derive(StagingTable)]
pub struct StagingUser {
    pub user_id: i32,
}

#[derive(DimTable)]
#[dwh(source = StagingUser)]
pub struct User {
    #[dwh(natural_key = true)]
    pub user_id: i32,
}

fn main() {}
