//! Arguments checked before any engine, network or file work: paths of
//! the wrong type and flags that would be silently ignored.

use anyhow::bail;

use dwh_core::Project;

use crate::cli::{AllArgs, Command, DataArgs, Target, TargetArgs, WarehouseArgs};
use crate::location::Location;
use crate::paths;

pub fn check(command: &Command, project: &Project) -> anyhow::Result<()> {
    match command {
        Command::All(args) => all(args, project)?,
        Command::Load(args) => data(&args.data)?,
        Command::Doctor(args) if args.target == Target::Local => bail!(
            "dwh doctor checks a Redshift cluster (--target redshift); the local engine runs the \
             same SQL in dwh's own tests"
        ),
        Command::Plan(args) => target(&args.target, &args.warehouse)?,
        Command::Migrate(args) => target(&args.target, &args.warehouse)?,
        Command::Analyze(args) => {
            if let Some(dir) = &args.charts {
                charts(project)?;
                paths::writable_dir(dir, "--charts")?;
            }
        }
        Command::Diagram(args) => {
            if let Some(dir) = &args.out {
                paths::output_dir(dir, "--out")?;
            }
        }
        Command::Docs(args) => {
            paths::output_dir(&args.out, "--out")?;
            if let Some(file) = &args.report {
                paths::input_file(file, "--report")?;
            }
        }
        Command::Gen(args) => {
            generated(project, args.size)?;
            paths::output_dir(&args.out, "--out")?;
        }
        #[cfg(feature = "redshift")]
        Command::Upload(args) => paths::input_dir(&args.data, "--data")?,
        Command::New(args) => super::new::check(args)?,
        // Before the AWS configuration is read: a bad network is a typo,
        // not a reason to resolve a region and credentials first.
        #[cfg(feature = "redshift")]
        Command::OpenPort(args) => {
            if let Some(cidr) = &args.cidr {
                super::open_port::check_public(cidr, args.allow_public)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// `dwh all`: its data, and the files it writes after the commit.
fn all(args: &AllArgs, project: &Project) -> anyhow::Result<()> {
    data(&args.data)?;
    if args.target.target == Target::Redshift {
        redshift_data(&args.data)?;
    }
    if args.data.data.is_none() {
        generated(project, args.size)?;
    }
    // Both are written after the commit: checked now, not found wrong then.
    if let Some(dir) = &args.charts {
        charts(project)?;
        paths::writable_dir(dir, "--charts")?;
    }
    if let Some(file) = &args.report {
        paths::writable_file(file, "--report")?;
    }
    Ok(())
}

/// What `--target redshift` cannot take: a rejects file, an S3 `--data`.
fn redshift_data(data: &DataArgs) -> anyhow::Result<()> {
    if data.rejects.is_some() {
        // The cluster's COPY skips bad rows itself and records them in
        // STL_LOAD_ERRORS, never in a local file:
        // https://docs.aws.amazon.com/redshift/latest/dg/r_STL_LOAD_ERRORS.html
        bail!(
            "--rejects is for local loads: with --target redshift, the rows --max-errors \
             skips are listed by Redshift in STL_LOAD_ERRORS"
        );
    }
    if let Some(Location::S3 { .. }) = &data.data {
        bail!(
            "with --target redshift, COPY reads what `dwh upload` wrote to s3.bucket; --data \
             takes a local directory to upload first"
        );
    }
    Ok(())
}

/// `--target redshift` reads dwh.toml; the local engine's flags would be ignored there.
fn target(target: &TargetArgs, warehouse: &WarehouseArgs) -> anyhow::Result<()> {
    if target.target == Target::Local {
        return Ok(());
    }
    let local_only = [
        (warehouse.database_url.is_some(), "--database-url"),
        (warehouse.demo, "--demo"),
        (warehouse.no_wait, "--no-wait"),
    ];
    if let Some((_, flag)) = local_only.iter().find(|(set, _)| *set) {
        bail!(
            "{flag} is for the local target: with --target redshift, dwh connects to the cluster \
             of {} (and its run lock, LOCK dwh_registry, always waits)",
            target.config.display()
        );
    }
    Ok(())
}

fn data(args: &DataArgs) -> anyhow::Result<()> {
    if args.rejects.is_some() && args.max_errors == 0 {
        bail!(
            "--rejects needs --max-errors N: without it a bad record fails the load and \
             nothing is skipped, so no rejects file would be written"
        );
    }
    paths::output_file(&args.rejects_file(), "--rejects")?;
    match &args.data {
        Some(Location::Local(dir)) => paths::input_dir(dir, "--data"),
        _ => Ok(()),
    }
}

/// Without `--data`, the data is generated (or the project's own folder):
/// `--size` must fit the generator.
fn generated(project: &Project, size: Option<u64>) -> anyhow::Result<()> {
    let Some(generator) = project.generator() else {
        if let Some(size) = size {
            bail!(
                "--size {size}: warehouse `{}` has no data generator; pass --data DIR",
                project.name()
            );
        }
        return Ok(());
    };
    match size {
        Some(size) if size > generator.max_size() => bail!(
            "--size {size}: at most {} {} can be generated",
            generator.max_size(),
            generator.unit()
        ),
        _ => Ok(()),
    }
}

fn charts(project: &Project) -> anyhow::Result<()> {
    if project.charts().is_none() {
        bail!(
            "--charts: warehouse `{}` draws no charts (ProjectBuilder::charts); leave out --charts",
            project.name()
        );
    }
    Ok(())
}
