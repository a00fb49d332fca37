// A column without `from` or `expr` is filled from the source column of the
// same name, which this source does not have.
use dwh_core::{DimTable, StagingTable};

#[derive(StagingTable)]
pub struct StagingUser {
    pub user_id: i32,
    #[dwh(varchar = 128)]
    pub first_name: String,
}

#[derive(DimTable)]
#[dwh(source = StagingUser)]
pub struct User {
    #[dwh(natural_key)]
    pub user_id: i32,
    #[dwh(varchar = 128)]
    pub name: String,
}

fn main() {}
