//! `dwh gen`: deterministic Sparkify-shaped data.

use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use dwh_core::gen::{generate, GenConfig, GenSummary};

use crate::cli::GenArgs;
use crate::ui;

pub fn config(events: u64, songs: u64, seed: u64) -> GenConfig {
    GenConfig {
        events,
        songs,
        seed,
        ..GenConfig::default()
    }
}

pub fn run(args: &GenArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let bar = ui::spinner(format!(
        "generating {} events into {}",
        ui::thousands(args.events),
        args.out.display()
    ));
    let summary = generate(&config(args.events, args.songs, args.seed), &args.out)
        .with_context(|| format!("writing generated data to {}", args.out.display()))?;
    bar.finish_and_clear();
    print_summary(&summary, started.elapsed());
    Ok(ExitCode::SUCCESS)
}

pub fn print_summary(s: &GenSummary, elapsed: std::time::Duration) {
    let rate = s.events as f64 / elapsed.as_secs_f64().max(1e-9);
    eprintln!(
        "✔ generated {} events ({} song plays, {} matching a song) by {} users, {} songs by {} artists: {} in {} files, {} ({:.0} events/s)",
        ui::thousands(s.events),
        ui::thousands(s.next_song_events),
        ui::thousands(s.matched_plays),
        ui::thousands(s.users),
        ui::thousands(s.songs),
        ui::thousands(s.artists),
        ui::bytes(s.bytes),
        s.event_files + s.song_files,
        ui::human_duration(elapsed),
        rate
    );
}
