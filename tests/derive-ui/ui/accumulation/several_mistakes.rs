// Every mistake in one struct is reported at once, each at its own span.
use dwh_core::StagingTable;

#[derive(StagingTable)]
#[dwh(table = "staging events", diststyle = key, sortky(id))]
pub struct Event {
    #[dwh(identity)]
    pub id: i64,
    pub page: String,
    #[dwh(varchar = 32, encode = az64)]
    pub level: String,
    #[dwh(varchar = 8)]
    pub status: i16,
    #[dwh(encode = zstdd)]
    pub session_id: i32,
    #[dwh(column = "session_id")]
    pub session: i32,
}

fn main() {}
