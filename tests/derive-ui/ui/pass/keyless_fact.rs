// An append-only event fact without a natural key, declared `keyless`, with
// two references to one dimension (role-playing airports).
use dwh_core::{DimTable, FactTable, StagingTable};

#[derive(StagingTable)]
pub struct StagingFlight {
    #[dwh(varchar = 3)]
    pub origin: Option<String>,
    #[dwh(varchar = 3)]
    pub dest: Option<String>,
}

#[derive(DimTable)]
#[dwh(source = StagingFlight)]
pub struct Airport {
    #[dwh(natural_key, varchar = 3, from = "origin")]
    pub faa: String,
}

#[derive(FactTable)]
#[dwh(source = StagingFlight, keyless)]
pub struct Flight {
    #[dwh(varchar = 3, references = Airport)]
    pub origin: String,
    #[dwh(varchar = 3, references = Airport)]
    pub dest: String,
}

fn main() {
    let table = <Flight as FactTable>::TABLE;
    assert!(table.natural_key.is_empty());
    assert!(table.primary_key.is_empty());
    assert!(table.is_keyless());
}
