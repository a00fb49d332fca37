// Odd and malformed inputs are reported as errors, never a macro panic:
// an empty attribute is fine, everything else here is a mistake.
use dwh_core::{FactTable, StagingTable};

#[derive(StagingTable)]
pub struct StagingEvent {
    pub user_id: i32,
}

#[derive(FactTable)]
#[dwh()]
#[dwh(source = StagingEvent, sortkey(,), a::b)]
#[dwh(lookup(table = StagingEvent, alias = "e", on()))]
#[dwh(lookup(tabel = StagingEvent, alias = "f", on(user_id = 5)))]
pub struct Play {
    #[dwh(natural_key)]
    pub user_id: i32,
    #[dwh(varchar = 99999999999999999999999, from = ".")]
    pub page: String,
    #[dwh(column = "", "literal")]
    pub level: i32,
}

fn main() {}
