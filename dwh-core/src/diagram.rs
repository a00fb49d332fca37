//! Star-schema diagrams: a Mermaid `erDiagram`, a Graphviz DOT graph and SVG,
//! drawn from the same `&'static Table` descriptions the SQL is rendered
//! from, so a diagram cannot drift from the warehouse it documents.
//!
//! `model` gathers what both renderers show (key markers, physical
//! design, edges), re-exported here; `mermaid` and `dot` only lay it out in
//! their syntax.

mod dot;
mod mermaid;
mod model;
mod svg;

pub use dot::dot;
pub use mermaid::mermaid;
pub use model::{edges, kind_name, physical_design, ColumnRoles, Edge, EdgeKind};
pub use svg::svg;

#[cfg(test)]
mod tests;
