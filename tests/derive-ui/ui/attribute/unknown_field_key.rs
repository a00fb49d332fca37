// A misspelled field attribute key: reported at the key, with a did-you-mean.
use dwh_core::StagingTable;

#[derive(StagingTable)]
pub struct Event {
    #[dwh(encdoe = zstd)]
    pub id: i64,
}

fn main() {}
