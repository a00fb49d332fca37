// The smallest staging table: one typed column, every option defaulted.
use dwh_core::StagingTable;

#[derive(StagingTable)]
pub struct Event {
    pub id: i64,
}

fn main() {
    let table = <Event as StagingTable>::TABLE;
    assert_eq!(table.name, "event");
}
