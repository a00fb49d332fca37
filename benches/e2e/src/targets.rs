//! The speed targets of issue 28 in one table, each a median over the runs
//! of this one benchmark run with its min–max, and pass or FAIL.

use std::fmt::Write;

use crate::child::AllRun;
use crate::report::SizeResult;
use crate::verdict::pass;

/// Median, least and greatest of some runs' figures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spread {
    pub median: f64,
    pub min: f64,
    pub max: f64,
    pub runs: usize,
}

impl Spread {
    /// `None` for no figures.
    pub fn of(values: impl IntoIterator<Item = f64>) -> Option<Spread> {
        let mut v: Vec<f64> = values.into_iter().collect();
        if v.is_empty() {
            return None;
        }
        v.sort_by(f64::total_cmp);
        let mid = v.len() / 2;
        let median = if v.len() % 2 == 1 {
            v[mid]
        } else {
            (v[mid - 1] + v[mid]) / 2.0
        };
        Some(Spread {
            median,
            min: v[0],
            max: v[v.len() - 1],
            runs: v.len(),
        })
    }

    fn show(&self, unit: Unit) -> String {
        let f = |x: f64| unit.format(x);
        format!(
            "{} ({}–{}, {} runs)",
            f(self.median),
            f(self.min),
            f(self.max),
            self.runs
        )
    }
}

#[derive(Debug, Clone, Copy)]
enum Unit {
    Seconds,
    Ratio,
    Percent,
}

impl Unit {
    fn format(self, x: f64) -> String {
        match self {
            Unit::Seconds => format!("{x:.2} s"),
            Unit::Ratio => format!("{x:.2}×"),
            Unit::Percent => format!("{:.0}%", 100.0 * x),
        }
    }
}

/// One row: what, of which data, the figure, the target and the verdict.
struct Row {
    target: &'static str,
    data: String,
    figure: Option<(Spread, Unit)>,
    /// The limit the median must not pass; `None`: shown for reference.
    limit: Option<f64>,
}

impl Row {
    fn line(&self) -> String {
        let Some((spread, unit)) = self.figure else {
            return format!("| {} | {} | not measured | | |", self.target, self.data);
        };
        let (limit, verdict) = match self.limit {
            Some(limit) => (
                format!("≤ {}", unit.format(limit)),
                pass(spread.median <= limit).to_owned(),
            ),
            None => ("(reference)".to_owned(), String::new()),
        };
        format!(
            "| {} | {} | {} | {limit} | {verdict} |",
            self.target,
            self.data,
            spread.show(unit)
        )
    }
}

/// The targets table, Markdown.
pub fn table(sizes: &[SizeResult]) -> String {
    let mut rows = Vec::new();
    new_day_rows(sizes, &mut rows);
    for s in sizes {
        let limit = if s.size == "sample" { 1.5 } else { 1.0 };
        rows.push(Row {
            target: "2. transform / hand-written SQL",
            data: s.size.clone(),
            figure: ratio_to(s, &s.hand_transform_s).map(|r| (r, Unit::Ratio)),
            limit: Some(limit),
        });
    }
    for s in sizes {
        rows.push(Row {
            target: "3. first-load transform / parallel `CREATE TABLE AS` rebuild",
            data: s.size.clone(),
            figure: ratio_to(s, &s.rebuild_s).map(|r| (r, Unit::Ratio)),
            limit: at_scale(s).then_some(1.0),
        });
    }
    for s in sizes {
        let shares = Spread::of(s.all_each.iter().map(|r| r.checks_s / r.total_s));
        rows.push(Row {
            target: "4. checks / fresh `all`",
            data: s.size.clone(),
            figure: shares.map(|r| (r, Unit::Percent)),
            limit: at_scale(s).then_some(0.10),
        });
    }
    let mut out = String::from(
        "\nTargets of issue 28: medians of this run's runs with min–max (new days: over the days; ratios: run by run).\n\n| target | data | measured | target | |\n| --- | --- | --- | --- | --- |\n",
    );
    for row in rows {
        let _ = writeln!(out, "{}", row.line());
    }
    out
}

/// Whether the size is one the 1M/10M targets name.
fn at_scale(s: &SizeResult) -> bool {
    s.size == "1M" || s.size == "10M"
}

/// dwh's transform into a fresh database over a baseline's (`baseline_s`:
/// the hand-written SQL, the parallel rebuild), the i-th run of each.
fn ratio_to(s: &SizeResult, baseline_s: &[f64]) -> Option<Spread> {
    Spread::of(
        s.all_each
            .iter()
            .zip(baseline_s)
            .map(|(all, baseline)| all.transform_s / baseline),
    )
}

fn day_figure(s: &SizeResult, figure: fn(&AllRun) -> f64) -> Option<Spread> {
    Spread::of(s.new_days.as_ref()?.runs.iter().map(figure))
}

fn load_transform(r: &AllRun) -> f64 {
    r.load_s + r.transform_s
}

fn load_transform_checks(r: &AllRun) -> f64 {
    r.load_s + r.transform_s + r.checks_s
}

/// Target 1: a new day into the 10M warehouse, and 10M against 1M.
fn new_day_rows(sizes: &[SizeResult], rows: &mut Vec<Row>) {
    let with_days = || sizes.iter().filter(|s| s.new_days.is_some());
    for s in with_days() {
        let events = s.new_days.as_ref().map_or(0, |d| d.events);
        let is_10m = s.size == "10M";
        rows.push(Row {
            target: "1. new day: load + transform",
            data: format!("{}, days of {events} events", s.size),
            figure: day_figure(s, load_transform).map(|r| (r, Unit::Seconds)),
            limit: is_10m.then_some(1.0),
        });
        rows.push(Row {
            target: "1. new day: load + transform + checks",
            data: format!("{}, days of {events} events", s.size),
            figure: day_figure(s, load_transform_checks).map(|r| (r, Unit::Seconds)),
            limit: is_10m.then_some(2.0),
        });
    }
    let find = |label: &str| with_days().find(|s| s.size == label);
    if let (Some(big), Some(small)) = (find("10M"), find("1M")) {
        let (b, s) = (
            day_figure(big, load_transform_checks),
            day_figure(small, load_transform_checks),
        );
        if let (Some(b), Some(s)) = (b, s) {
            let ratio = Spread {
                median: b.median / s.median,
                min: b.min / s.max,
                max: b.max / s.min,
                runs: b.runs.min(s.runs),
            };
            rows.push(Row {
                target: "1. new day, 10M / 1M (load + transform + checks)",
                data: "10M vs 1M".to_owned(),
                figure: Some((ratio, Unit::Ratio)),
                limit: Some(1.5),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spreads_take_the_middle() {
        let s = Spread::of([3.0, 1.0, 2.0]).unwrap();
        assert_eq!((s.median, s.min, s.max, s.runs), (2.0, 1.0, 3.0, 3));
        assert_eq!(Spread::of([4.0, 1.0]).unwrap().median, 2.5);
        assert!(Spread::of(Vec::new()).is_none());
    }

    #[test]
    fn a_median_over_its_limit_fails() {
        let row = |median| Row {
            target: "t",
            data: "d".to_owned(),
            figure: Some((
                Spread {
                    median,
                    min: 0.5,
                    max: 3.0,
                    runs: 3,
                },
                Unit::Seconds,
            )),
            limit: Some(1.0),
        };
        assert!(row(1.01).line().ends_with("| FAIL |"));
        assert!(row(1.0).line().ends_with("| pass |"));
    }
}
