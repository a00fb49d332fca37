// `from` names a column the source staging table does not have.
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
    #[dwh(from = "no_such_column", varchar = 128)]
    pub name: String,
}

fn main() {}
