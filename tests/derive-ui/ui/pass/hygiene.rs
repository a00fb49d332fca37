// Generated code names only absolute paths: local items called `core`,
// `Option`, `Result`, `Self`-like helpers or `dwh_core` do not break it.
#![no_implicit_prelude]

mod core {}
mod std {}
#[allow(dead_code)]
type Option = ();
#[allow(dead_code)]
type Result = ();

#[derive(::dwh_core::StagingTable)]
pub struct Event {
    pub id: i64,
    #[dwh(varchar = 8)]
    pub level: ::std::option::Option<::std::string::String>,
}

fn main() {}
