// A fact referring to a type-2 dimension must say which time picks the
// version (`as_of`); `as_of` needs a reference; `history` is for dimensions.
use chrono::NaiveDateTime;
use dwh_core::{DimTable, FactTable, StagingTable};

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
    #[dwh(natural_key)]
    pub user_id: i32,
    #[dwh(varchar = 8, tracked)]
    pub level: String,
    #[dwh(valid_from)]
    pub valid_from: NaiveDateTime,
    #[dwh(valid_to)]
    pub valid_to: Option<NaiveDateTime>,
    #[dwh(is_current)]
    pub is_current: bool,
}

#[derive(FactTable)]
#[dwh(source = StagingEvent)]
pub struct Play {
    #[dwh(natural_key, from = "ts")]
    pub at: NaiveDateTime,
    #[dwh(natural_key, references = User)]
    pub user_id: i32,
}

#[derive(FactTable)]
#[dwh(source = StagingEvent, history = scd2)]
pub struct Visit {
    #[dwh(natural_key, from = "ts", as_of = at)]
    pub at: NaiveDateTime,
}

fn main() {}
