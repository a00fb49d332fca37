// A `Row` field must be a type the PostgreSQL driver can decode.
use dwh_core::Row;

#[derive(Row)]
pub struct Session {
    pub session_id: i32,
    pub length: std::time::Duration,
}

fn main() {}
