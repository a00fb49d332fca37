//! Typed analysis from downstream code: result structs with
//! `#[derive(Row)]`, read by column name; a wrong column name or type is an
//! error naming both.
//!
//! ```text
//! cargo run -p dwh-cli -- all            # build the warehouse
//! DWH_DATABASE_URL=$(cargo run -q -p dwh-cli -- local url) cargo run -p dwh-example-analysis
//! ```

use dwh_core::sql::Dialect;
use dwh_core::{Row, Warehouse};

/// Listening per user and level.
#[derive(Debug, Row)]
struct UserPlays {
    user_id: i32,
    level: String,
    plays: i64,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("DWH_DATABASE_URL").map_err(|_| {
        "set DWH_DATABASE_URL, e.g. DWH_DATABASE_URL=$(cargo run -q -p dwh-cli -- local url)"
    })?;
    let warehouse = Warehouse::connect(&url, Dialect::Postgres).await?;
    let min_plays: i64 = 50;
    let rows: Vec<UserPlays> = warehouse
        .query_as(
            "SELECT user_id, level, COUNT(*) AS plays FROM songplays \
             GROUP BY user_id, level HAVING COUNT(*) >= $1 ORDER BY plays DESC, user_id",
            &[&min_plays],
        )
        .await?;
    for row in &rows {
        println!(
            "user {:>4} {:<4} {:>5} plays",
            row.user_id, row.level, row.plays
        );
    }
    println!(
        "{} user/level pairs with at least {min_plays} plays",
        rows.len()
    );
    Ok(())
}
