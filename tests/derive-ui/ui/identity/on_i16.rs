// Redshift's IDENTITY columns are INT or BIGINT only; SMALLINT is refused
// by CREATE TABLE, so it is refused at compile time.
use dwh_core::{DimTable, StagingTable};

#[derive(StagingTable)]
pub struct StagingUser {
    pub user_id: i32,
}

#[derive(DimTable)]
#[dwh(source = StagingUser)]
pub struct User {
    #[dwh(identity)]
    pub user_key: i16,
    #[dwh(natural_key)]
    pub user_id: i32,
}

fn main() {}
