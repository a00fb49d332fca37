//! `dwh config import|show`: dwh.toml from a classic dwh.cfg, and the
//! effective configuration.

use dwh_core::Project;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{bail, Context};

use crate::cli::{AwsArgs, ConfigCommand};
use crate::config::{self, DwhConfig};

pub fn run(command: ConfigCommand, project: &Project) -> anyhow::Result<ExitCode> {
    match command {
        ConfigCommand::Import { file, out, force } => import(&file, &out, force, project)?,
        ConfigCommand::Show(AwsArgs { config }) => show(&config, project)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// `dwh config import`: writes dwh.toml from a classic dwh.cfg, leaving
/// its secrets out and saying so, since they belong elsewhere.
fn import(file: &Path, out: &Path, force: bool, project: &Project) -> anyhow::Result<()> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let imported = config::import::import_ini(&text, project.name())
        .with_context(|| format!("converting {}", file.display()))?;
    if out.exists() && !force {
        bail!(
            "{} exists; pass --force to overwrite it, or --out to write elsewhere",
            out.display()
        );
    }
    if !imported.secrets.is_empty() {
        let (verb, noun) = match imported.secrets.len() {
            1 => ("holds a secret", "it"),
            _ => ("hold secrets", "them"),
        };
        eprintln!(
            "warning: {} {verb}, not copied. AWS credentials come from the AWS SDK chain \
             (AWS_PROFILE, `aws sso login`, environment); the database password from {} \
             or temporary IAM credentials; rotate {noun}, as a secret that sat in a \
             config file may have been shared with it.",
            imported.secrets.join(", "),
            config::PASSWORD_ENV
        );
    }
    for note in &imported.notes {
        eprintln!("note: {note}");
    }
    let text = format!(
        "# dwh configuration, imported from {} by `dwh config import`.\n\
         # Holds no secrets; see dwh.example.toml for every setting.\n\n{}",
        file.display(),
        imported.config.to_toml()
    );
    std::fs::write(out, text).with_context(|| format!("writing {}", out.display()))?;
    eprintln!("✔ wrote {}", out.display());
    if imported.config.s3.bucket.is_empty() {
        eprintln!("note: set `bucket` in the [s3] section before `dwh provision`");
    }
    Ok(())
}

/// `dwh config show`: the configuration in effect, with where each
/// environment override came from, since dwh.toml alone does not say.
fn show(config: &Path, project: &Project) -> anyhow::Result<()> {
    let effective = DwhConfig::load(config, project.name())?;
    let source = if config.exists() {
        config.display().to_string()
    } else {
        format!("defaults ({} not found)", config.display())
    };
    println!("# effective configuration: {source}");
    for (var, setting) in config::ENV_OVERRIDES {
        if std::env::var_os(var).is_some_and(|v| !v.is_empty()) {
            println!("# {setting} from {var}");
        }
    }
    println!();
    print!("{}", effective.to_toml());
    Ok(())
}

/// The configuration of `args` and AWS clients for it, for every AWS command.
/// dwh.toml and the AWS clients it configures, as every AWS command uses them.
pub type Cloud = (DwhConfig, crate::aws::Aws);

pub async fn load(args: &AwsArgs, project: &Project) -> anyhow::Result<Cloud> {
    dwh_redshift::load(&args.config, project).await
}
