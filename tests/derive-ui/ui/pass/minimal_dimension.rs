// The smallest dimension: a source and a natural key.
use dwh_core::{DimTable, StagingTable};

#[derive(StagingTable)]
pub struct StagingUser {
    pub user_id: i32,
}

#[derive(DimTable)]
#[dwh(source = StagingUser)]
pub struct User {
    #[dwh(natural_key)]
    pub user_id: i32,
}

fn main() {
    let table = <User as DimTable>::TABLE;
    assert_eq!(table.name, "user");
    assert_eq!(table.natural_key, ["user_id"]);
}
