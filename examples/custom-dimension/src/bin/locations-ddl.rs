//! Prints the Redshift DDL and load of the `locations` dimension.

use dwh_core::sql::{self, Dialect, IfNotExists};
use dwh_core::DimTable;
use dwh_example_custom_dimension::Location;

fn main() {
    let table = &<Location as DimTable>::TABLE;
    println!(
        "{};\n",
        sql::create_table(table, Dialect::Redshift, IfNotExists::Yes)
    );
    for statement in sql::load_statements(table, Dialect::Redshift)
        .expect("a dimension has a load")
        .statements
    {
        println!("{statement};\n");
    }
}
