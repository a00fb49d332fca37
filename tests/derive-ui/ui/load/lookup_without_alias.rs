// A lookup needs a table, an alias and join conditions.
use dwh_core::{FactTable, StagingTable};

#[derive(StagingTable)]
pub struct StagingEvent {
    pub user_id: i32,
}

#[derive(FactTable)]
#[dwh(source = StagingEvent, lookup(table = StagingEvent, on(user_id = "src.user_id")))]
pub struct Play {
    #[dwh(natural_key)]
    pub user_id: i32,
}

fn main() {}
