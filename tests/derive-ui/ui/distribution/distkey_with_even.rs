// DISTSTYLE EVEN spreads rows round-robin: a DISTKEY contradicts it.
use dwh_core::StagingTable;

#[derive(StagingTable)]
#[dwh(diststyle = even)]
pub struct Event {
    #[dwh(distkey)]
    pub id: i64,
}

fn main() {}
