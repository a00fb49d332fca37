// Limits that are allowed: an 8-column INTERLEAVED SORTKEY, VARCHAR(65535),
// `varchar = max`, every type with an SQL mapping, fully qualified type
// paths, raw identifiers, upper-case keywords.
use dwh_core::StagingTable;

#[derive(StagingTable)]
#[dwh(diststyle = EVEN, interleaved_sortkey(a, b, c, d, e, f, g, r#type))]
pub struct r#Wide {
    pub a: i16,
    pub b: i32,
    #[dwh(encode = MOSTLY32)]
    pub c: i64,
    pub d: f32,
    pub e: f64,
    #[dwh(encode = runlength)]
    pub f: bool,
    #[dwh(encode = delta32k)]
    pub g: chrono::NaiveDate,
    #[dwh(varchar = 65535, encode = text32k)]
    pub r#type: std::string::String,
    #[dwh(varchar = max)]
    pub notes: Option<String>,
    #[dwh(encode = az64)]
    pub at: chrono::NaiveDateTime,
    pub at_utc: Option<chrono::DateTime<chrono::Utc>>,
}

fn main() {
    let table = <Wide as StagingTable>::TABLE;
    assert_eq!(table.name, "wide");
    assert_eq!(table.columns.len(), 11);
    assert_eq!(table.columns[7].name, "type");
}
