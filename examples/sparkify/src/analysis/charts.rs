//! The built-in analyses as SVG bar charts: plays by hour of day, by
//! weekday, by level (free vs paid) and the top songs.
//!
//! SVG only: plotters' SVG backend writes `<text>` elements that the viewer
//! lays out, so no font files or image libraries are needed. A PNG would
//! need a rasteriser and a font on the machine.

use std::fmt;
use std::path::{Path, PathBuf};

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::Analysis;

/// One rendered chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chart {
    /// `plays-by-hour.svg`, …
    pub file_name: &'static str,
    pub title: String,
    pub svg: String,
}

#[derive(Debug)]
pub enum ChartError {
    Draw {
        chart: &'static str,
        message: String,
    },
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl fmt::Display for ChartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChartError::Draw { chart, message } => write!(f, "drawing {chart}: {message}"),
            ChartError::Write { path, source } => {
                write!(f, "writing {}: {source}", path.display())
            }
        }
    }
}

impl std::error::Error for ChartError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ChartError::Draw { .. } => None,
            ChartError::Write { source, .. } => Some(source),
        }
    }
}

const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const SIZE: (u32, u32) = (960, 540);
const BAR: RGBColor = RGBColor(0x4e, 0x79, 0xa7);
const FONT: &str = "sans-serif";

/// Every chart of `analysis`, rendered in memory.
pub fn render(analysis: &Analysis) -> Result<Vec<Chart>, ChartError> {
    let hours = dense(&analysis.plays_by_hour, 24);
    let weekdays = dense(&analysis.plays_by_weekday, 7);
    let total: i64 = hours.iter().sum();
    let specs = [
        (
            "plays-by-hour.svg",
            format!("Plays by hour of day ({} plays)", thousands(total)),
            Bars::Vertical {
                x_desc: "hour of day (UTC)",
            },
            hours
                .iter()
                .enumerate()
                .map(|(h, v)| (format!("{h:02}"), *v))
                .collect::<Vec<_>>(),
        ),
        (
            "plays-by-weekday.svg",
            "Plays by weekday".to_owned(),
            Bars::Vertical { x_desc: "weekday" },
            WEEKDAYS
                .iter()
                .zip(&weekdays)
                .map(|(d, v)| ((*d).to_owned(), *v))
                .collect(),
        ),
        (
            "plays-by-level.svg",
            "Free vs paid plays".to_owned(),
            Bars::Vertical {
                x_desc: "level at the time of the play",
            },
            analysis
                .plays_by_level
                .iter()
                .map(|l| (l.level.clone(), l.plays))
                .collect(),
        ),
        (
            "top-songs.svg",
            match analysis.top_songs.len() {
                1 => "Top song".to_owned(),
                n => format!("Top {n} songs"),
            },
            Bars::Horizontal,
            analysis
                .top_songs
                .iter()
                .map(|s| (format!("{} — {}", s.title, s.artist), s.plays))
                .collect(),
        ),
    ];
    specs
        .into_iter()
        .map(|(file_name, title, kind, bars)| {
            let svg = bar_chart(&title, kind, &bars).map_err(|message| ChartError::Draw {
                chart: file_name,
                message,
            })?;
            Ok(Chart {
                file_name,
                title,
                svg,
            })
        })
        .collect()
}

/// Renders every chart into `dir` (created if needed); the files written.
pub fn write(analysis: &Analysis, dir: &Path) -> Result<Vec<PathBuf>, ChartError> {
    std::fs::create_dir_all(dir).map_err(|source| ChartError::Write {
        path: dir.to_owned(),
        source,
    })?;
    render(analysis)?
        .into_iter()
        .map(|chart| {
            let path = dir.join(chart.file_name);
            std::fs::write(&path, chart.svg).map_err(|source| ChartError::Write {
                path: path.clone(),
                source,
            })?;
            Ok(path)
        })
        .collect()
}

/// Buckets `0..n` with their plays; buckets the query returned no row for
/// (no plays) are 0, so every hour and weekday has its place on the axis.
fn dense(rows: &[super::PlaysBy], n: usize) -> Vec<i64> {
    let mut out = vec![0; n];
    for row in rows {
        if let Some(slot) = usize::try_from(row.bucket)
            .ok()
            .and_then(|i| out.get_mut(i))
        {
            *slot += row.plays;
        }
    }
    out
}

#[derive(Debug, Clone, Copy)]
enum Bars {
    /// Categories along x, short labels (hours, weekdays, levels).
    Vertical { x_desc: &'static str },
    /// Categories down y, long labels (song — artist), rank 1 on top.
    Horizontal,
}

/// Where a chart's bars go: category `i` spans `i ± 0.5`, so the axis'
/// integer key points fall on the bar centres (plotters' segmented
/// coordinates lose the label of a lone category).
struct Layout<'a> {
    kind: Bars,
    bars: &'a [(String, i64)],
    n: u32,
}

impl Layout<'_> {
    fn categories(&self) -> std::ops::Range<f64> {
        -0.5..f64::from(self.n) - 0.5
    }

    /// Headroom for the value labels past the longest bar.
    fn values(&self) -> std::ops::Range<i64> {
        let longest = self.bars.iter().map(|b| b.1).max().unwrap_or(0);
        0..((longest as f64 * 1.12).ceil() as i64).max(1)
    }

    /// Rank 1 on top of a horizontal chart: its y axis counts upwards.
    fn slot(&self, i: u32) -> u32 {
        match self.kind {
            Bars::Vertical { .. } => i,
            Bars::Horizontal => self.n - 1 - i,
        }
    }

    /// The category label at an axis key point; none between them.
    fn label(&self, v: &f64) -> String {
        let i = v.round();
        if (v - i).abs() > 1e-6 || i < 0.0 || i >= f64::from(self.n) {
            return String::new();
        }
        self.bars
            .get(self.slot(i as u32) as usize)
            .map(|b| truncate(&b.0, 42))
            .unwrap_or_default()
    }

    /// `(position, value)` of the bars drawn: zero-valued ones are not.
    fn shown(&self) -> impl Iterator<Item = (f64, i64)> + '_ {
        (0..self.n)
            .zip(self.bars)
            .filter(|(_, b)| b.1 > 0)
            .map(|(i, b)| (f64::from(self.slot(i)), b.1))
    }

    fn size(&self) -> (u32, u32) {
        match self.kind {
            Bars::Vertical { .. } => SIZE,
            Bars::Horizontal => (SIZE.0, (140 + 44 * self.n).max(260)),
        }
    }

    fn value_label(&self) -> TextStyle<'static> {
        TextStyle::from((FONT, 12).into_font()).pos(match self.kind {
            Bars::Vertical { .. } => Pos::new(HPos::Center, VPos::Bottom),
            Bars::Horizontal => Pos::new(HPos::Left, VPos::Center),
        })
    }
}

type Builder<'a, 'b> = ChartBuilder<'a, 'b, SVGBackend<'b>>;

/// One bar per category with its value printed at its end; zero-valued
/// categories keep their label but draw no bar.
fn bar_chart(title: &str, kind: Bars, bars: &[(String, i64)]) -> Result<String, String> {
    let layout = Layout {
        kind,
        bars,
        n: bars.len().max(1) as u32,
    };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, layout.size()).into_drawing_area();
        root.fill(&WHITE).map_err(text)?;
        let mut builder = ChartBuilder::on(&root);
        builder
            .caption(title, (FONT, 24))
            .margin(16)
            .x_label_area_size(56);
        match kind {
            Bars::Vertical { x_desc } => draw_vertical(&mut builder, &layout, x_desc)?,
            Bars::Horizontal => draw_horizontal(&mut builder, &layout)?,
        }
        root.present().map_err(text)?;
    }
    Ok(svg)
}

/// Categories along x, plays up y.
fn draw_vertical(builder: &mut Builder, layout: &Layout, x_desc: &str) -> Result<(), String> {
    // At most ~160 px wide: two bars need not fill the chart.
    let slot = (SIZE.0 - 2 * 16 - 72) / layout.n;
    let gap = (slot.saturating_sub(160) / 2).max(4);
    let mut chart = builder
        .y_label_area_size(72)
        .build_cartesian_2d(layout.categories(), layout.values())
        .map_err(text)?;
    chart
        .configure_mesh()
        .light_line_style(TRANSPARENT)
        .disable_x_mesh()
        .x_labels(layout.n as usize)
        .x_label_formatter(&|v| layout.label(v))
        .y_label_formatter(&|v| thousands(*v))
        .x_desc(x_desc)
        .y_desc("plays")
        .axis_desc_style((FONT, 16))
        .label_style((FONT, 14))
        .draw()
        .map_err(text)?;
    chart
        .draw_series(layout.shown().map(|(i, v)| {
            let mut bar = Rectangle::new([(i - 0.5, 0), (i + 0.5, v)], BAR.filled());
            bar.set_margin(0, 0, gap, gap);
            bar
        }))
        .map_err(text)?;
    let style = layout.value_label();
    chart
        .draw_series(layout.shown().map(|(i, v)| {
            EmptyElement::at((i, v)) + Text::new(thousands(v), (0, -3), style.clone())
        }))
        .map_err(text)?;
    Ok(())
}

/// Plays along x, categories down y with room for their long labels.
fn draw_horizontal(builder: &mut Builder, layout: &Layout) -> Result<(), String> {
    // Wide enough for the longest (truncated) label at 14 px.
    let longest = layout.bars.iter().map(|b| label_width(&truncate(&b.0, 42)));
    let width = (longest.max().unwrap_or(0) + 16).clamp(80, 400);
    let mut chart = builder
        .y_label_area_size(width)
        .build_cartesian_2d(layout.values(), layout.categories())
        .map_err(text)?;
    chart
        .configure_mesh()
        .light_line_style(TRANSPARENT)
        .disable_y_mesh()
        .y_labels(layout.n as usize)
        .y_label_formatter(&|v| layout.label(v))
        .x_label_formatter(&|v| thousands(*v))
        .x_desc("plays")
        .axis_desc_style((FONT, 16))
        .label_style((FONT, 14))
        .draw()
        .map_err(text)?;
    chart
        .draw_series(layout.shown().map(|(y, v)| {
            let mut bar = Rectangle::new([(0, y - 0.5), (v, y + 0.5)], BAR.filled());
            bar.set_margin(6, 6, 0, 0);
            bar
        }))
        .map_err(text)?;
    let style = layout.value_label();
    chart
        .draw_series(layout.shown().map(|(y, v)| {
            EmptyElement::at((v, y)) + Text::new(thousands(v), (4, 0), style.clone())
        }))
        .map_err(text)?;
    Ok(())
}

fn text(error: impl fmt::Display) -> String {
    error.to_string()
}

/// Rough width in pixels of `label` at 14 px (SVG leaves the real layout
/// to the viewer, so no font is measured).
fn label_width(label: &str) -> u32 {
    label.chars().count() as u32 * 8
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max - 1).collect();
    out.push('…');
    out
}

/// `1234567` → `1,234,567`.
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The project's chart hook: the results of a run read back into
/// [`Analysis`], then [`write`].
pub fn from_results(
    results: &[dwh_core::project::AnalysisResult],
    dir: &Path,
) -> Result<Vec<PathBuf>, dwh_core::project::GenError> {
    let analysis = Analysis::from_results(results)?;
    Ok(write(&analysis, dir)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{PlaysBy, PlaysByLevel, TopSong};

    fn analysis() -> Analysis {
        let by = |bucket, plays| PlaysBy { bucket, plays };
        Analysis {
            top_songs: vec![TopSong {
                title: "You're <The> One".into(),
                artist: "Dwight Yoakam".into(),
                plays: 37,
            }],
            top_artists: vec![],
            active_users: vec![],
            plays_by_hour: vec![by(3, 1200), by(17, 300)],
            plays_by_weekday: vec![],
            plays_by_level: vec![PlaysByLevel {
                level: "paid".into(),
                plays: 5,
            }],
            users_by_gender_level: vec![],
            top_locations: vec![],
            top_user_agents: vec![],
            plays_while_paid: vec![],
        }
    }

    /// The text of every `<text>` element (plotters puts it on its own line).
    fn texts(svg: &str) -> Vec<&str> {
        svg.split("<text")
            .skip(1)
            .filter_map(|t| Some(t.split_once('>')?.1.split_once("</text>")?.0.trim()))
            .collect()
    }

    #[test]
    fn charts_carry_bars_labels_and_escaped_text() {
        let charts = render(&analysis()).unwrap();
        let names: Vec<&str> = charts.iter().map(|c| c.file_name).collect();
        assert_eq!(
            names,
            [
                "plays-by-hour.svg",
                "plays-by-weekday.svg",
                "plays-by-level.svg",
                "top-songs.svg"
            ]
        );
        let hours = texts(&charts[0].svg);
        assert!(
            hours.contains(&"Plays by hour of day (1,500 plays)"),
            "{hours:?}"
        );
        assert!(hours.contains(&"1,200") && hours.contains(&"300"));
        // Every hour is labelled, with or without plays; only hours with
        // plays have a bar (the first rect is the background).
        for h in 0..24 {
            assert!(hours.contains(&format!("{h:02}").as_str()), "hour {h}");
        }
        assert_eq!(charts[0].svg.matches("<rect").count(), 1 + 2);
        // One category, no plays at all: both still draw.
        assert_eq!(charts[2].svg.matches("<rect").count(), 1 + 1);
        assert_eq!(charts[1].svg.matches("<rect").count(), 1);
        assert!(texts(&charts[1].svg).contains(&"Sat"));
        let songs = texts(&charts[3].svg);
        assert!(
            songs.contains(&"You&apos;re &lt;The&gt; One — Dwight Yoakam"),
            "{songs:?}"
        );
    }

    #[test]
    fn numbers_and_labels() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(thousands(-1000), "-1,000");
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 4), "abc");
        let by = |bucket, plays| PlaysBy { bucket, plays };
        assert_eq!(dense(&[by(30, 1), by(-1, 1), by(1, 2)], 3), [0, 2, 0]);
    }
}
