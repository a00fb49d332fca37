// Names are checked to be plain SQL identifiers, so they can carry no SQL.
use dwh_core::StagingTable;

#[derive(StagingTable)]
#[dwh(table = "x'; DROP TABLE users; --")]
pub struct Event {
    pub id: i64,
}

fn main() {}
