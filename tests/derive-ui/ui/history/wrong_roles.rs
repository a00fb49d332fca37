// Role fields of the wrong types, and a tracked natural key.
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
#[dwh(source = StagingEvent, latest_by = "src.ts", history = scd2)]
pub struct User {
    #[dwh(natural_key, tracked)]
    pub user_id: i32,
    #[dwh(varchar = 8, tracked)]
    pub level: String,
    #[dwh(valid_from)]
    pub valid_from: Option<NaiveDateTime>,
    #[dwh(valid_to)]
    pub valid_to: NaiveDateTime,
    #[dwh(is_current)]
    pub is_current: i32,
}

fn main() {}
