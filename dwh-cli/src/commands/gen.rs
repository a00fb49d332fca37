//! `dwh gen`: deterministic Sparkify-shaped data.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context};
use dwh_core::gen::{generate, GenConfig, GenSummary};

use crate::cli::GenArgs;
use crate::ui;

/// Marks a directory `dwh gen` created (or found empty): a later `dwh gen`
/// may replace what is in it; any other non-empty directory needs --force.
const MARKER: &str = ".dwh-gen";
/// What `dwh gen` writes below its directory.
const GENERATED: [&str; 2] = ["log_data", "song_data"];

pub fn config(events: u64, songs: u64, seed: u64) -> GenConfig {
    GenConfig {
        events,
        songs,
        seed,
        ..GenConfig::default()
    }
}

pub fn run(args: &GenArgs) -> anyhow::Result<ExitCode> {
    prepare(&args.out, args.force)?;
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

/// Makes `out` ready: a new or empty directory is marked as dwh's; one
/// marked by an earlier `dwh gen` loses that run's files (so no stale file
/// is mixed into the new set); any other is refused unless `force`, and
/// is then written into without being marked.
fn prepare(out: &Path, force: bool) -> anyhow::Result<()> {
    let entries = match std::fs::read_dir(out) {
        Ok(entries) => entries
            .map(|e| e.map(|e| e.file_name()))
            .collect::<Result<Vec<_>, _>>()
            .with_context(|| format!("listing --out {}", out.display()))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(e).with_context(|| format!("reading --out {}", out.display())),
    };
    let marker = out.join(MARKER);
    if marker.is_file() {
        for sub in GENERATED {
            remove_dir(&out.join(sub))?;
        }
        return Ok(());
    }
    if entries.is_empty() {
        std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
        return std::fs::write(
            &marker,
            "written by `dwh gen`; it may replace log_data/ and song_data/\n",
        )
        .with_context(|| format!("writing {}", marker.display()));
    }
    if !force {
        let mut names: Vec<_> = entries.iter().map(|n| n.to_string_lossy()).collect();
        names.sort();
        bail!(
            "--out {} is not empty ({} entries: {}) and `dwh gen` did not write it; \
             choose a new or empty directory, or pass --force to write into it \
             (files with the names dwh gen writes are overwritten)",
            out.display(),
            names.len(),
            names.iter().take(3).cloned().collect::<Vec<_>>().join(", ")
        );
    }
    Ok(())
}

fn remove_dir(dir: &Path) -> anyhow::Result<()> {
    match std::fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(e).with_context(|| format!("removing the earlier {}", dir.display()))
        }
        _ => Ok(()),
    }
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
