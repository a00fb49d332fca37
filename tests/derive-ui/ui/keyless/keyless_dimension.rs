// A dimension is upserted by its natural key: it cannot be keyless.
use dwh_core::{DimTable, StagingTable};

#[derive(StagingTable)]
pub struct StagingUser {
    pub user_id: Option<i32>,
}

#[derive(DimTable)]
#[dwh(source = StagingUser, keyless)]
pub struct User {
    #[dwh(natural_key)]
    pub user_id: i32,
}

fn main() {}
