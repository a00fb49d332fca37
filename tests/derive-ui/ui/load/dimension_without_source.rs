// A dimension is loaded from a staging table, and none is named.
use dwh_core::DimTable;

#[derive(DimTable)]
pub struct User {
    #[dwh(natural_key)]
    pub user_id: i32,
}

fn main() {}
