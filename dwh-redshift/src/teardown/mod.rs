//! `dwh teardown`: what to delete, planned from what exists without I/O
//! ([`crate::survey`] reads AWS, `plan` decides).

pub mod apply;
pub mod plan;
#[cfg(test)]
mod tests;
