// A foreign key must reference a dimension, not a staging table.
use dwh_core::{FactTable, StagingTable};

#[derive(StagingTable)]
pub struct StagingEvent {
    pub user_id: i32,
}

#[derive(FactTable)]
#[dwh(source = StagingEvent)]
pub struct Play {
    #[dwh(natural_key, references = StagingEvent)]
    pub user_id: i32,
}

fn main() {}
