// Redshift names are at most 127 bytes.
use dwh_core::StagingTable;

#[derive(StagingTable)]
#[dwh(
    table = "a_table_name_that_goes_on_and_on_and_on_and_on_and_on_and_on_and_on_and_on_and_on_and_on_and_on_and_on_and_on_and_on_and_on_forever"
)]
pub struct Event {
    pub id: i64,
}

fn main() {}
