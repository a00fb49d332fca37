// A column is filled either from a source column or by an expression.
use dwh_core::{DimTable, StagingTable};

#[derive(StagingTable)]
pub struct StagingUser {
    pub user_id: i32,
}

#[derive(DimTable)]
#[dwh(source = StagingUser)]
pub struct User {
    #[dwh(natural_key, from = "user_id", expr = "src.user_id + 1")]
    pub user_id: i32,
}

fn main() {}
