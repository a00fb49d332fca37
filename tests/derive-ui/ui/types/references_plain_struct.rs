// A foreign key must reference a dimension, not an arbitrary struct.
use dwh_core::{FactTable, StagingTable};

pub struct User {
    pub user_id: i32,
}

#[derive(StagingTable)]
pub struct StagingEvent {
    pub user_id: i32,
}

#[derive(FactTable)]
#[dwh(source = StagingEvent)]
pub struct Play {
    #[dwh(natural_key, references = User)]
    pub user_id: i32,
}

fn main() {}
