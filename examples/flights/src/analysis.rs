//! The flights analyses: typed rows and portable SQL (PostgreSQL and
//! Redshift). Averages cast to DOUBLE PRECISION first: Redshift's AVG of
//! an integer column is an integer, PostgreSQL's a NUMERIC.

use dwh_core::project::Analysis;
use dwh_core::Row;
use serde::{Deserialize, Serialize};

/// A route, origin → destination, with both airports' names (the two
/// roles of `airports`).
#[derive(Debug, Clone, PartialEq, Row, Serialize, Deserialize)]
pub struct Route {
    pub origin: String,
    pub origin_name: Option<String>,
    pub dest: String,
    /// Null for an inferred airport (not in the FAA list).
    pub dest_name: Option<String>,
    pub flights: i64,
}

/// Punctuality of one carrier: flights, cancellations, and arrivals at
/// most 15 minutes late (the BTS definition of on time) among the flights
/// that arrived.
#[derive(Debug, Clone, PartialEq, Row, Serialize, Deserialize)]
pub struct CarrierPunctuality {
    pub carrier: String,
    pub name: String,
    pub flights: i64,
    pub cancelled: i64,
    pub arrived: i64,
    pub on_time: i64,
    pub on_time_pct: f64,
}

/// Flights per weekday (0 = Sunday), from the date dimension.
#[derive(Debug, Clone, PartialEq, Row, Serialize, Deserialize)]
pub struct WeekdayFlights {
    pub weekday: i16,
    pub flights: i64,
    pub avg_dep_delay: Option<f64>,
}

/// Delays per month.
#[derive(Debug, Clone, PartialEq, Row, Serialize, Deserialize)]
pub struct MonthDelay {
    pub year: i16,
    pub month: i16,
    pub flights: i64,
    pub cancelled: i64,
    pub avg_arr_delay: Option<f64>,
}

/// The analyses, in run order. Routes and carriers are ranked and take
/// `--top`; weekdays and months are whole distributions (7 and at most 12
/// rows), so they ignore it.
pub fn analyses() -> Vec<Analysis> {
    vec![
        Analysis::new::<Route>("busiest_routes", "Busiest routes", |top| {
            format!(
                "SELECT o.faa AS origin, o.name AS origin_name, d.faa AS dest, d.name AS dest_name, \
                 COUNT(*) AS flights \
                 FROM flights AS f \
                 JOIN airports AS o ON o.airport_key = f.origin_key \
                 JOIN airports AS d ON d.airport_key = f.dest_key \
                 GROUP BY o.faa, o.name, d.faa, d.name \
                 ORDER BY flights DESC, origin, dest LIMIT {top}"
            )
        }),
        Analysis::new::<CarrierPunctuality>(
            "carrier_punctuality",
            "On-time arrivals by carrier",
            |top| {
                format!(
                    "SELECT c.carrier, c.name, COUNT(*) AS flights, \
                     SUM(CASE WHEN f.cancelled THEN 1 ELSE 0 END) AS cancelled, \
                     COUNT(f.arr_delay) AS arrived, \
                     SUM(CASE WHEN f.arr_delay <= 15 THEN 1 ELSE 0 END) AS on_time, \
                     CAST(100.0 * SUM(CASE WHEN f.arr_delay <= 15 THEN 1 ELSE 0 END) \
                     / NULLIF(COUNT(f.arr_delay), 0) AS DOUBLE PRECISION) AS on_time_pct \
                     FROM flights AS f JOIN carriers AS c ON c.carrier = f.carrier \
                     GROUP BY c.carrier, c.name \
                     ORDER BY flights DESC, c.carrier LIMIT {top}"
                )
            },
        ),
        Analysis::new::<WeekdayFlights>("flights_by_weekday", "Flights by weekday", |_| {
            "SELECT d.weekday, COUNT(*) AS flights, \
             AVG(CAST(f.dep_delay AS DOUBLE PRECISION)) AS avg_dep_delay \
             FROM flights AS f JOIN dates AS d ON d.date = f.date \
             GROUP BY d.weekday ORDER BY d.weekday"
                .to_owned()
        }),
        Analysis::new::<MonthDelay>("delay_by_month", "Delays by month", |_| {
            "SELECT d.year, d.month, COUNT(*) AS flights, \
             SUM(CASE WHEN f.cancelled THEN 1 ELSE 0 END) AS cancelled, \
             AVG(CAST(f.arr_delay AS DOUBLE PRECISION)) AS avg_arr_delay \
             FROM flights AS f JOIN dates AS d ON d.date = f.date \
             GROUP BY d.year, d.month ORDER BY d.year, d.month"
                .to_owned()
        }),
    ]
}
