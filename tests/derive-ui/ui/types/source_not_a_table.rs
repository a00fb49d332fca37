// `source` must name a table the dimension is loaded from.
use dwh_core::DimTable;

pub struct StagingUser {
    pub user_id: i32,
}

#[derive(DimTable)]
#[dwh(source = StagingUser)]
pub struct User {
    #[dwh(natural_key)]
    pub user_id: i32,
}

fn main() {}
