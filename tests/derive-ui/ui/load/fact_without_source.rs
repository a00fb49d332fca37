// A fact table is loaded from a staging table, and none is named.
use dwh_core::FactTable;

#[derive(FactTable)]
pub struct Play {
    #[dwh(natural_key)]
    pub user_id: i32,
}

fn main() {}
