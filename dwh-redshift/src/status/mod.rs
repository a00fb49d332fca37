//! `dwh status`: each resource dwh manages as it is now, planned from what
//! exists without I/O ([`crate::survey`] reads AWS, `plan` makes the rows and exit code).

pub mod plan;
#[cfg(test)]
mod tests;
