//! `dwh provision`: what to create, adopt or refuse, planned from what
//! exists without I/O ([`crate::survey`] reads AWS, `plan` decides).

pub mod apply;
pub mod plan;
#[cfg(test)]
mod tests;
