// A dimension is de-duplicated by its natural key, and none is marked.
use dwh_core::{DimTable, StagingTable};

#[derive(StagingTable)]
pub struct StagingUser {
    pub user_id: i32,
}

#[derive(DimTable)]
#[dwh(source = StagingUser)]
pub struct User {
    pub user_id: i32,
}

fn main() {}
