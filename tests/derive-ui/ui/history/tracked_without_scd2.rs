// `tracked` and the role attributes without `history = scd2`.
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
#[dwh(source = StagingEvent, latest_by = "src.ts")]
pub struct User {
    #[dwh(natural_key)]
    pub user_id: i32,
    #[dwh(varchar = 8, tracked)]
    pub level: String,
    #[dwh(valid_from)]
    pub valid_from: NaiveDateTime,
}

fn main() {}
