// A type-2 dimension and a fact that picks the version valid at its time.
use chrono::NaiveDateTime;
use dwh_core::{DimTable, FactTable, StagingTable};

#[derive(StagingTable)]
pub struct StagingEvent {
    pub user_id: Option<i32>,
    #[dwh(varchar = 8)]
    pub level: Option<String>,
    #[dwh(varchar = 64)]
    pub name: Option<String>,
    pub ts: Option<NaiveDateTime>,
}

#[derive(DimTable)]
#[dwh(source = StagingEvent, latest_by = "src.ts", history = scd2)]
pub struct User {
    #[dwh(natural_key)]
    pub user_id: i32,
    #[dwh(varchar = 8, tracked)]
    pub level: String,
    #[dwh(varchar = 64)]
    pub name: Option<String>,
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
    #[dwh(natural_key, references = User, as_of = at)]
    pub user_id: i32,
}

fn main() {
    let users = <User as DimTable>::TABLE;
    let history = users.history.unwrap();
    assert_eq!(history.tracked, ["level"]);
    assert_eq!(history.roles(), ["valid_from", "valid_to", "is_current"]);
    assert_eq!(users.primary_key, ["user_id", "valid_from"]);
    assert_eq!(users.column("valid_from").unwrap().fill, dwh_core::schema::Fill::None);
    let plays = <Play as FactTable>::TABLE;
    assert_eq!(plays.column("user_id").unwrap().as_of, Some("at"));
}
