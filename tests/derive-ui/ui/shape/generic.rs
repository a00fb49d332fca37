// A table's columns are fixed at compile time: no type parameters.
use dwh_core::StagingTable;

#[derive(StagingTable)]
pub struct Event<T> {
    pub id: i64,
    pub value: T,
}

fn main() {}
