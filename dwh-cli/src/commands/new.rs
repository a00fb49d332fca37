//! `dwh new PATH`: a standalone cargo project for a new warehouse, built on
//! `dwh_core::Project` and run by `dwh_cli::main`: one staging table, one
//! dimension, one fact, two typed analyses and a small data folder. The
//! files are templates under `dwh-cli/templates/new/` (real Rust and TOML
//! to read), with a few `__placeholders__` filled in.

mod name;
mod pins;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::Args;

#[derive(Debug, Args)]
pub struct NewArgs {
    /// Folder to create the project in: new, or empty
    #[arg(value_name = "PATH")]
    pub path: PathBuf,
    /// Project and package name: lowercase letters, digits, `-`, `_`, starting
    /// with a letter [default: PATH's folder name, lowercased, other characters as `-`]
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
}

/// Each file of the project and its template.
const TEMPLATES: [(&str, &str); 7] = [
    (
        "Cargo.toml",
        include_str!("../../templates/new/Cargo.toml.in"),
    ),
    ("src/lib.rs", include_str!("../../templates/new/src/lib.rs")),
    (
        "src/main.rs",
        include_str!("../../templates/new/src/main.rs"),
    ),
    ("README.md", include_str!("../../templates/new/README.md")),
    (".gitignore", include_str!("../../templates/new/gitignore")),
    (
        "data/orders/2026-03.json",
        include_str!("../../templates/new/data/orders/2026-03.json"),
    ),
    (
        "data/orders/2026-04.json",
        include_str!("../../templates/new/data/orders/2026-04.json"),
    ),
];

/// Where dwh's repository lives when this `dwh` was not built from a
/// checkout that still exists: the package's `repository`, if it has one.
const GIT_URL: &str = if KNOWN_REPOSITORY {
    env!("CARGO_PKG_REPOSITORY")
} else {
    "https://github.com/OWNER/dwh"
};
const KNOWN_REPOSITORY: bool = !env!("CARGO_PKG_REPOSITORY").is_empty();

/// Everything `dwh new` can refuse, checked before anything is written.
pub fn check(args: &NewArgs) -> anyhow::Result<()> {
    name::resolve(args.name.as_deref(), &args.path)?;
    check_target(&args.path)
}

pub fn run(args: &NewArgs) -> anyhow::Result<ExitCode> {
    let name = name::resolve(args.name.as_deref(), &args.path)?;
    check_target(&args.path)?;
    let origin = Origin::detect();
    let dir = &args.path;
    for (file, template) in TEMPLATES {
        let text = render(template, &name, &origin);
        write(&dir.join(file), text.as_bytes())?;
    }
    if let Origin::Checkout(root) = &origin {
        pins::copy(root, dir)?;
    }
    println!("✔ created the dwh project `{name}` in {}", dir.display());
    println!("  dwh-core and dwh-cli come from {}", origin.describe());
    println!("next:\n  cd {}\n  cargo run -- all", dir.display());
    Ok(ExitCode::SUCCESS)
}

/// `path` must be new, or an empty directory.
fn check_target(path: &Path) -> anyhow::Result<()> {
    let entries = match std::fs::read_dir(path) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(_) if path.exists() && !path.is_dir() => bail!(
            "{} is a file, not a directory; give a new or empty directory",
            path.display()
        ),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    let mut names = entries
        .map(|e| e.map(|e| format!("`{}`", e.file_name().to_string_lossy())))
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("listing {}", path.display()))?;
    if names.is_empty() {
        return Ok(());
    }
    names.sort();
    let more = if names.len() > 3 { ", …" } else { "" };
    bail!(
        "{} is not empty (it holds {}{more}); `dwh new` writes only into a new or empty \
         directory, so that nothing of yours is overwritten: choose another PATH",
        path.display(),
        names[..names.len().min(3)].join(", ")
    )
}

fn write(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating the directory {}", parent.display()))?;
    }
    std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))
}

/// Where the project takes dwh's crates from.
enum Origin {
    /// The checkout this `dwh` was built from: path dependencies.
    Checkout(PathBuf),
    /// Its git repository.
    Git,
}

impl Origin {
    /// The checkout dwh-cli was compiled in, if it is still there.
    fn detect() -> Origin {
        let cli = Path::new(env!("CARGO_MANIFEST_DIR"));
        match cli.parent() {
            Some(root)
                if root.join("dwh-core/Cargo.toml").is_file()
                    && cli.join("Cargo.toml").is_file() =>
            {
                Origin::Checkout(root.to_owned())
            }
            _ => Origin::Git,
        }
    }

    fn describe(&self) -> String {
        match self {
            Origin::Checkout(root) => format!("this checkout, {}", root.display()),
            Origin::Git => format!("the git repository {GIT_URL}"),
        }
    }

    /// The `[dependencies]` lines for dwh-core and dwh-cli.
    fn dependencies(&self) -> String {
        match self {
            Origin::Checkout(root) => {
                let path = |krate: &str| toml_string(&root.join(krate).display().to_string());
                format!(
                    "# dwh from the checkout `dwh new` was built in (see README.md to use git\n\
                     # or crates.io instead).\n\
                     dwh-core = {{ path = {} }}\n\
                     {REDSHIFT_NOTE}\n\
                     dwh-cli = {{ path = {}, {CLI_FEATURES} }}",
                    path("dwh-core"),
                    path("dwh-cli")
                )
            }
            Origin::Git => {
                let note = if KNOWN_REPOSITORY {
                    "# If you use another repository (a fork), change the URL (see README.md)."
                } else {
                    "# OWNER is a placeholder (this dwh names no repository): put the URL of the\n\
                     # repository you cloned dwh from (see README.md)."
                };
                format!(
                    "# dwh from its git repository: the checkout `dwh new` was built in is gone.\n\
                     {note}\n\
                     dwh-core = {{ git = {url} }}\n\
                     {REDSHIFT_NOTE}\n\
                     dwh-cli = {{ git = {url}, {CLI_FEATURES} }}",
                    url = toml_string(GIT_URL)
                )
            }
        }
    }
}

/// How the project turns the Redshift target off, above its dwh-cli line.
const REDSHIFT_NOTE: &str =
    "# `redshift`: the Redshift target and the AWS commands (provision, upload,\n\
     # all --target redshift, doctor, …). Without it (`features = [\"download-postgres\"]`)\n\
     # the project builds without the AWS SDK, in a fraction of the time, and runs\n\
     # every local command; the AWS ones then say they need the feature.\n\
     # `download-postgres`: on a machine without PostgreSQL, fetch a pinned build.";

/// dwh-cli's features: not its default ones, which add dwh's own example.
const CLI_FEATURES: &str =
    "default-features = false, features = [\"redshift\", \"download-postgres\"]";

/// `text` as a TOML string (quoted, escaped).
fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

/// A template with its placeholders filled in.
fn render(template: &str, name: &str, origin: &Origin) -> String {
    let source = match origin {
        Origin::Checkout(root) => format!("the dwh checkout at `{}`", root.display()),
        Origin::Git => format!("dwh's git repository ({GIT_URL})"),
    };
    template
        .replace("# __dwh_dependencies__", &origin.dependencies())
        .replace("__project_name__", name)
        .replace("__crate_name__", &name::crate_name(name))
        .replace("__dwh_source__", &source)
        .replace("__dwh_git__", GIT_URL)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_placeholder_is_filled() {
        for origin in [Origin::Checkout(PathBuf::from("/src/dwh")), Origin::Git] {
            for (file, template) in TEMPLATES {
                let text = render(template, "my-shop", &origin);
                assert!(
                    !text.contains("__"),
                    "{file}: a placeholder is left:\n{text}"
                );
            }
        }
    }

    #[test]
    fn dependencies_are_valid_toml() {
        let root = PathBuf::from("/home/o'neil/my \"dwh\"");
        for origin in [Origin::Checkout(root), Origin::Git] {
            let manifest = render(TEMPLATES[0].1, "my-shop", &origin);
            let parsed: toml::Table = manifest.parse().expect(&manifest);
            let deps = &parsed["dependencies"];
            assert!(deps.get("dwh-core").is_some() && deps.get("dwh-cli").is_some());
        }
    }

    /// The project builds with the workspace's profiles: a target directory
    /// shared with the workspace then reuses its dependencies' builds.
    #[test]
    fn the_profiles_are_the_workspaces() {
        let read = |path: &Path| -> toml::Table {
            std::fs::read_to_string(path).unwrap().parse().unwrap()
        };
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let manifest = render(TEMPLATES[0].1, "shop", &Origin::Git);
        let project: toml::Table = manifest.parse().unwrap();
        assert_eq!(
            project["profile"],
            read(&root.join("Cargo.toml"))["profile"]
        );
    }
}
