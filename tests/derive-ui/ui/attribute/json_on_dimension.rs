// `json` names a key in the source files, which only staging tables read.
use dwh_core::{DimTable, StagingTable};

#[derive(StagingTable)]
pub struct StagingUser {
    pub user_id: i32,
}

#[derive(DimTable)]
#[dwh(source = StagingUser)]
pub struct User {
    #[dwh(natural_key, json = "userId")]
    pub user_id: i32,
}

fn main() {}
