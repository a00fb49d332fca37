//! The bar for the transform: the simplest correct SQL a person would write
//! for Sparkify's star schema, one `INSERT … SELECT DISTINCT ON` per table
//! (a `LAG`/`LEAD` window for the type-2 `users`, the song lookup against
//! the songs and artists just built) from the same staging rows, into empty copies of dwh's tables (`LIKE`,
//! so the same column types) in a schema of its own, in one transaction.
//! Its tables must hold as many rows as dwh's, or the comparison is void.

use std::time::Instant;

use dwh_core::sql::Dialect;
use dwh_core::Warehouse;

pub const SCHEMA: &str = "dwh_bench_hand";

/// Per table: its name and the SELECT that fills it (songplays looks up
/// the songs and artists in [`SCHEMA`]).
pub const LOADS: [(&str, &str); 5] = [
    (
        "users",
        "SELECT user_id, first_name, last_name, gender, level, ts, LEAD(ts) OVER w, \
         LEAD(ts) OVER w IS NULL FROM (SELECT CAST(user_id AS INTEGER) AS user_id, first_name, \
         last_name, gender, level, ts, LAG(level) OVER (PARTITION BY user_id ORDER BY ts) AS prev \
         FROM public.staging_events WHERE user_id <> '' AND ts IS NOT NULL) AS e \
         WHERE prev IS DISTINCT FROM level WINDOW w AS (PARTITION BY user_id ORDER BY ts)",
    ),
    (
        "songs",
        "SELECT DISTINCT ON (song_id) song_id, title, artist_id, NULLIF(year, 0), duration \
         FROM public.staging_songs WHERE song_id IS NOT NULL ORDER BY song_id",
    ),
    (
        "artists",
        "SELECT DISTINCT ON (artist_id) artist_id, artist_name, artist_location, artist_latitude, \
         artist_longitude FROM public.staging_songs WHERE artist_id IS NOT NULL ORDER BY artist_id",
    ),
    (
        "time",
        "SELECT DISTINCT ON (ts) ts, EXTRACT(HOUR FROM ts), EXTRACT(DAY FROM ts), \
         EXTRACT(WEEK FROM ts), EXTRACT(MONTH FROM ts), EXTRACT(YEAR FROM ts), EXTRACT(DOW FROM ts) \
         FROM public.staging_events WHERE page = 'NextSong' AND ts IS NOT NULL ORDER BY ts",
    ),
    (
        "songplays",
        "SELECT DISTINCT ON (e.ts, e.user_id) e.ts, CAST(e.user_id AS INTEGER), e.level, s.song_id, \
         s.artist_id, e.session_id, e.location, e.user_agent \
         FROM public.staging_events e LEFT JOIN (dwh_bench_hand.songs s \
         JOIN dwh_bench_hand.artists a ON a.artist_id = s.artist_id) \
         ON s.title = e.song AND a.name = e.artist AND s.duration = e.length \
         WHERE e.page = 'NextSong' AND e.ts IS NOT NULL AND e.user_id <> '' ORDER BY e.ts, e.user_id",
    ),
];

/// Column lists of the INSERTs (songplays leaves out its identity).
pub fn columns(table: &str) -> &'static str {
    match table {
        "users" => {
            "user_id, first_name, last_name, gender, level, valid_from, valid_to, is_current"
        }
        "songs" => "song_id, title, artist_id, year, duration",
        "artists" => "artist_id, name, location, latitude, longitude",
        "time" => "start_time, hour, day, week, month, year, weekday",
        _ => "start_time, user_id, level, song_id, artist_id, session_id, location, user_agent",
    }
}

/// Runs the hand-written transform on the staging tables dwh loaded at
/// `url`; seconds from BEGIN to COMMIT. Fails when a table's row count
/// differs from dwh's.
pub async fn transform(url: &str) -> Result<f64, String> {
    let text = |e: tokio_postgres::Error| e.to_string();
    let warehouse = Warehouse::connect(url, Dialect::Postgres)
        .await
        .map_err(|e| e.to_string())?;
    let client = warehouse.client();
    let mut setup = format!("DROP SCHEMA IF EXISTS {SCHEMA} CASCADE; CREATE SCHEMA {SCHEMA};");
    for (table, _) in LOADS {
        setup.push_str(&format!(
            "CREATE TABLE {SCHEMA}.\"{table}\" (LIKE public.\"{table}\" INCLUDING DEFAULTS INCLUDING IDENTITY);"
        ));
    }
    client.batch_execute(&setup).await.map_err(text)?;
    let mut script = String::from("BEGIN;");
    for (table, select) in LOADS {
        script.push_str(&format!(
            "INSERT INTO {SCHEMA}.\"{table}\" ({}) {select};",
            columns(table)
        ));
    }
    script.push_str("COMMIT;");
    let started = Instant::now();
    client.batch_execute(&script).await.map_err(text)?;
    let secs = started.elapsed().as_secs_f64();
    for (table, _) in LOADS {
        same_rows(client, SCHEMA, table, "the hand-written transform").await?;
    }
    client
        .batch_execute(&format!("DROP SCHEMA {SCHEMA} CASCADE"))
        .await
        .map_err(text)?;
    Ok(secs)
}

/// Whether `table` in `schema`, built by `who`, holds as many rows as
/// dwh's: a baseline that built other tables measures nothing.
pub async fn same_rows(
    client: &tokio_postgres::Client,
    schema: &str,
    table: &str,
    who: &str,
) -> Result<(), String> {
    let count = |schema: &str| format!("SELECT COUNT(*) FROM {schema}.\"{table}\"");
    let mut rows = [0i64; 2];
    for (n, schema) in [schema, "public"].into_iter().enumerate() {
        let row = client
            .query_one(&count(schema), &[])
            .await
            .map_err(|e| e.to_string())?;
        rows[n] = row.get(0);
    }
    if rows[0] != rows[1] {
        return Err(format!(
            "{who} made {} {table} rows, dwh {}: not the same tables",
            rows[0], rows[1]
        ));
    }
    Ok(())
}
