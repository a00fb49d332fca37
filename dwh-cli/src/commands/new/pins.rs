//! Pins a new project to the checkout it takes dwh from: the same locked
//! dependency versions and the same compiler, so it builds with what dwh
//! was tested with, and a shared target directory reuses the crates dwh's
//! workspace already built (another compiler or version rebuilds them all).

use std::path::Path;

use anyhow::Context;

/// The checkout's lock file and toolchain, into `project`; whichever the
/// checkout has.
pub fn copy(checkout: &Path, project: &Path) -> anyhow::Result<()> {
    let lock = checkout.join("Cargo.lock");
    if lock.is_file() {
        let bytes = std::fs::read(&lock).with_context(|| format!("reading {}", lock.display()))?;
        super::write(&project.join("Cargo.lock"), &bytes)?;
    }
    if let Some(channel) = channel(&checkout.join("rust-toolchain.toml"))? {
        super::write(
            &project.join("rust-toolchain.toml"),
            toolchain(&channel).as_bytes(),
        )?;
    }
    Ok(())
}

/// The toolchain channel a `rust-toolchain.toml` names, if the file exists.
fn channel(file: &Path) -> anyhow::Result<Option<String>> {
    let text = match std::fs::read_to_string(file) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("reading {}", file.display())),
    };
    let parsed: toml::Table = text
        .parse()
        .with_context(|| format!("reading {}", file.display()))?;
    Ok(parsed
        .get("toolchain")
        .and_then(|t| t.get("channel"))
        .and_then(|c| c.as_str())
        .map(str::to_owned))
}

fn toolchain(channel: &str) -> String {
    format!(
        "# The compiler dwh was built and tested with (written by `dwh new`). A\n\
         # target directory shared with dwh's checkout reuses its builds only with\n\
         # the same compiler; remove this file to use your default toolchain.\n\
         [toolchain]\n\
         channel = {}\n",
        super::toml_string(channel)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_toolchain_file_names_the_checkouts_channel() {
        let checkout = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let ours = channel(&checkout.join("rust-toolchain.toml")).unwrap();
        let written: toml::Table = toolchain(ours.as_deref().unwrap()).parse().unwrap();
        assert_eq!(
            written["toolchain"]["channel"].as_str(),
            ours.as_deref(),
            "{written}"
        );
        assert_eq!(channel(&checkout.join("no-such-file")).unwrap(), None);
    }
}
