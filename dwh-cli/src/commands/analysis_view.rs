//! Printing the built-in analyses: aligned tables and text bar charts.

use std::collections::BTreeMap;

use sparkify::analysis::Analysis;

use crate::ui;

pub fn print_analysis(analysis: &Analysis) {
    let section = |title: &str| println!("\n{title}");
    section("Top songs");
    println!(
        "{}",
        ui::table(
            &["title", "artist", "plays"],
            analysis
                .top_songs
                .iter()
                .map(|s| vec![
                    s.title.clone(),
                    s.artist.clone(),
                    ui::thousands(s.plays as u64)
                ])
                .collect()
        )
    );
    section("Most active users");
    println!(
        "{}",
        ui::table(
            &["user", "name", "level", "plays"],
            analysis
                .active_users
                .iter()
                .map(|u| {
                    let name = [u.first_name.as_deref(), u.last_name.as_deref()]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(" ");
                    vec![
                        u.user_id.to_string(),
                        name,
                        u.level.clone(),
                        ui::thousands(u.plays as u64),
                    ]
                })
                .collect()
        )
    );
    section("Plays by level");
    println!(
        "{}",
        ui::table(
            &["level", "plays"],
            analysis
                .plays_by_level
                .iter()
                .map(|p| vec![p.level.clone(), ui::thousands(p.plays as u64)])
                .collect()
        )
    );
    section("Plays by hour of day");
    println!(
        "{}",
        bars(
            analysis
                .plays_by_hour
                .iter()
                .map(|p| (format!("{:02}h", p.bucket), p.plays))
        )
    );
    section("Plays by weekday");
    const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    println!(
        "{}",
        bars(analysis.plays_by_weekday.iter().map(|p| {
            (
                DAYS.get(p.bucket as usize)
                    .copied()
                    .unwrap_or("?")
                    .to_owned(),
                p.plays,
            )
        }))
    );
    section("Users by gender and level");
    println!(
        "{}",
        ui::table(
            &["gender", "level", "users"],
            analysis
                .users_by_gender_level
                .iter()
                .map(|u| vec![
                    u.gender.clone().unwrap_or_default(),
                    u.level.clone(),
                    u.users.to_string()
                ])
                .collect()
        )
    );
    for (title, ranked) in [
        ("Top locations", &analysis.top_locations),
        ("Top user agents", &analysis.top_user_agents),
    ] {
        section(title);
        println!(
            "{}",
            ui::table(
                &["value", "plays"],
                ranked
                    .iter()
                    .map(|r| vec![
                        r.value.clone().unwrap_or_default(),
                        ui::thousands(r.plays as u64)
                    ])
                    .collect()
            )
        );
    }
}

/// A small horizontal bar chart in text.
fn bars(values: impl Iterator<Item = (String, i64)>) -> String {
    let values: Vec<(String, i64)> = values.collect();
    let max = values.iter().map(|(_, v)| *v).max().unwrap_or(1).max(1);
    values
        .iter()
        .map(|(label, v)| {
            let width = (*v as f64 / max as f64 * 40.0).round() as usize;
            format!(
                "{label:>4} {:<40} {}",
                "█".repeat(width),
                ui::thousands(*v as u64)
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn analysis_json(analysis: &Analysis) -> BTreeMap<String, serde_json::Value> {
    match serde_json::to_value(analysis) {
        Ok(serde_json::Value::Object(map)) => map.into_iter().collect(),
        _ => Default::default(),
    }
}
