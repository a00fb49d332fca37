// Redshift folds names to lower case: `Plays` would be created as `plays`
// and dwh would not find it, so upper-case table and column names are refused.
use dwh_core::StagingTable;

#[derive(StagingTable)]
#[dwh(table = "Plays")]
pub struct Play {
    #[dwh(column = "userId")]
    pub user_id: i32,
}

fn main() {}
