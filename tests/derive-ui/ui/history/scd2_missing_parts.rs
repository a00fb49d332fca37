// `history = scd2` without tracked columns, `latest_by` or role fields.
use chrono::NaiveDateTime;
use dwh_core::{DimTable, StagingTable};

#[derive(StagingTable)]
pub struct StagingEvent {
    pub user_id: Option<i32>,
    #[dwh(varchar = 8)]
    pub level: Option<String>,
    pub ts: Option<NaiveDateTime>,
}

#[derive(DimTable)]
#[dwh(source = StagingEvent, history = scd2)]
pub struct User {
    #[dwh(natural_key)]
    pub user_id: i32,
    #[dwh(varchar = 8)]
    pub level: String,
}

fn main() {}
