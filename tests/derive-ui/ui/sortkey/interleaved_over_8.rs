// Redshift allows at most 8 columns in an INTERLEAVED SORTKEY.
use dwh_core::StagingTable;

#[derive(StagingTable)]
#[dwh(interleaved_sortkey(a, b, c, d, e, f, g, h, i))]
pub struct Wide {
    pub a: i32,
    pub b: i32,
    pub c: i32,
    pub d: i32,
    pub e: i32,
    pub f: i32,
    pub g: i32,
    pub h: i32,
    pub i: i32,
}

fn main() {}
