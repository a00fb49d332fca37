// A misspelled struct attribute key: reported at the key, with a did-you-mean.
use dwh_core::StagingTable;

#[derive(StagingTable)]
#[dwh(sortky(id))]
pub struct Event {
    pub id: i64,
}

fn main() {}
