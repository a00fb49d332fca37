//! Prints every statement dwh renders for the Sparkify schema.
use dwh_core::sql::{self, Dialect, IfNotExists};

fn main() {
    let dialect: Dialect = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "redshift".into())
        .parse()
        .unwrap();
    for table in sparkify::schema().tables() {
        println!("{};\n", sql::create_table(table, dialect, IfNotExists::Yes));
        if let Some(load) = sql::load_statements(table, dialect) {
            for s in load.statements {
                println!("{s};\n");
            }
        }
    }
}
