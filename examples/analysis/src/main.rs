//! Typed analysis queries against a built warehouse.
//!
//! ```text
//! cargo run -p dwh-cli -- all            # build the warehouse
//! DWH_DATABASE_URL=$(cargo run -q -p dwh-cli -- local url) cargo run -p dwh-example-analysis [USER_ID]
//! ```

use dwh_core::sql::Dialect;
use dwh_core::Warehouse;
use dwh_example_analysis as analysis;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("DWH_DATABASE_URL").map_err(|_| {
        "set DWH_DATABASE_URL, e.g. DWH_DATABASE_URL=$(cargo run -q -p dwh-cli -- local url)"
    })?;
    let warehouse = Warehouse::connect(&url, Dialect::Postgres).await?;

    let min_plays: i64 = 50;
    let listeners = analysis::heavy_listeners(&warehouse, min_plays).await?;
    println!(
        "{} user/level pairs with at least {min_plays} plays; the first ten:",
        listeners.len()
    );
    for l in listeners.iter().take(10) {
        println!(
            "  user {:>4} {:<4} {:>5} plays",
            l.user_id, l.level, l.plays
        );
    }

    println!("\nmost plays between 06:00 and 09:59 (UTC):");
    for u in analysis::top_users_in_hours(&warehouse, 6..=9, 5).await? {
        let name = [u.first_name, u.last_name].into_iter().flatten();
        let name = name.collect::<Vec<_>>().join(" ");
        println!("  user {:>4} {name:<24} {:>5} plays", u.user_id, u.plays);
    }

    // The user asked for, else the heaviest listener.
    let user_id = match std::env::args().nth(1) {
        Some(arg) => arg
            .parse()
            .map_err(|_| format!("`{arg}` is not a user id"))?,
        None => match listeners.first() {
            Some(l) => l.user_id,
            None => return Ok(()),
        },
    };
    println!("\nuser {user_id}:");
    for l in analysis::plays_of_user_by_level(&warehouse, user_id).await? {
        println!("  {:<4} {:>5} plays", l.level, l.plays);
    }
    let sessions = analysis::sessions_of_user(&warehouse, user_id).await?;
    if let Some(longest) = sessions.iter().max_by_key(|s| (s.plays, -s.session_id)) {
        println!(
            "  {} sessions; the longest, #{}, {} plays from {} to {}",
            sessions.len(),
            longest.session_id,
            longest.plays,
            longest.started,
            longest.ended
        );
    }
    Ok(())
}
