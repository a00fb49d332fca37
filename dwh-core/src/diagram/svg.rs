//! The star schema as SVG, laid out by `layout-rs` (a pure-Rust Graphviz
//! style layered layout): no system tool is needed to draw it.

use layout::backends::svg::SVGWriter;
use layout::core::base::Orientation;
use layout::core::style::{LineStyleKind, StyleAttr};
use layout::std_shapes::render::get_shape_size;
use layout::std_shapes::shapes::{Arrow, Element, LineEndKind, RecordDef, ShapeKind};
use layout::topo::layout::VisualGraph;

use super::model::{edges, kind_name, EdgeKind};
use crate::catalog::Schema;
use crate::schema::{Column, Table};

const FONT_SIZE: usize = 14;

/// Every table as a box listing its columns (type, keys, roles), and
/// every edge of [`super::edges`]: references solid from the fact's column
/// to the dimension's key, loads and lookups dashed.
pub fn svg(schema: &Schema) -> String {
    let orientation = Orientation::LeftToRight;
    let mut graph = VisualGraph::new(orientation);
    let handles: Vec<_> = schema
        .tables()
        .iter()
        .map(|table| {
            let shape = ShapeKind::Record(record(table));
            let size = get_shape_size(orientation, &shape, FONT_SIZE, false);
            let style = StyleAttr::new(
                layout::core::color::Color::fast("black"),
                1,
                Some(layout::core::color::Color::fast("white")),
                0,
                FONT_SIZE,
            );
            (
                table.name,
                graph.add_node(Element::create(shape, style, orientation, size)),
            )
        })
        .collect();
    let node = |table: &Table| {
        handles
            .iter()
            .find(|(name, _)| *name == table.name)
            .map(|(_, handle)| *handle)
            .expect("edges join tables of the schema")
    };
    for edge in edges(schema) {
        let arrow = match edge.kind {
            EdgeKind::Reference { column } => Arrow::new(
                LineEndKind::None,
                LineEndKind::Arrow,
                LineStyleKind::Normal,
                "",
                &StyleAttr::simple(),
                &Some(column.name.to_owned()),
                &edge.to.primary_key.first().map(|k| (*k).to_owned()),
            ),
            EdgeKind::LoadedFrom | EdgeKind::Lookup { .. } => Arrow::new(
                LineEndKind::None,
                LineEndKind::Arrow,
                LineStyleKind::Dashed,
                "",
                &StyleAttr::simple(),
                &None,
                &None,
            ),
        };
        graph.add_edge(arrow, node(edge.from), node(edge.to));
    }
    let mut writer = SVGWriter::new();
    graph.do_it(false, false, false, &mut writer);
    writer.finalize()
}

/// `name (kind)` over one row per column, each a port named after it.
fn record(table: &Table) -> RecordDef {
    let title = RecordDef::new_text(&format!("{} ({})", table.name, kind_name(table.kind)));
    let rows = table
        .columns
        .iter()
        .map(|c| RecordDef::new_text_with_port(&row(table, c), c.name));
    // A record's fields run across the rank direction; nested once, they
    // run along it: one row per column, as in the DOT diagram.
    RecordDef::Array(vec![RecordDef::Array(
        std::iter::once(title).chain(rows).collect(),
    )])
}

fn row(table: &Table, column: &Column) -> String {
    let keys = super::dot::roles(table, column);
    if keys.is_empty() {
        format!("{} {}", column.name, column.ty)
    } else {
        format!("{} {} [{}]", column.name, column.ty, keys.join(", "))
    }
}
