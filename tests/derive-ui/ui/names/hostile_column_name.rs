// Column names are checked like table names.
use dwh_core::StagingTable;

#[derive(StagingTable)]
pub struct Event {
    #[dwh(column = "id\" INT); DROP TABLE users; --")]
    pub id: i64,
}

fn main() {}
