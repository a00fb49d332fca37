//! Paths given on the command line, checked for their type before any
//! work, so that a file given as a directory (or the reverse) is named
//! once with what it is, not reported as an OS error from deep inside.

use std::path::Path;

use anyhow::bail;

/// A directory dwh reads (`--data`): it must exist and be a directory.
pub fn input_dir(path: &Path, flag: &str) -> anyhow::Result<()> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => Ok(()),
        Ok(_) => bail!(
            "{flag} {} is a file, not a directory; give the directory that holds it",
            path.display()
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            bail!("{flag} {}: no such directory", path.display())
        }
        Err(e) => bail!("{flag} {}: {e}", path.display()),
    }
}

/// A file dwh reads (`dwh docs --report`): it must exist and be a file.
pub fn input_file(path: &Path, flag: &str) -> anyhow::Result<()> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => Ok(()),
        Ok(_) => bail!(
            "{flag} {} is a directory, not a file; give the JSON file `dwh all --report` wrote",
            path.display()
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            bail!("{flag} {}: no such file", path.display())
        }
        Err(e) => bail!("{flag} {}: {e}", path.display()),
    }
}

/// A directory dwh writes into (`--out`, `--charts`): a directory, or
/// nothing yet (it is created).
pub fn output_dir(path: &Path, flag: &str) -> anyhow::Result<()> {
    match std::fs::metadata(path) {
        Ok(meta) if !meta.is_dir() => bail!(
            "{flag} {} is a file, not a directory; give a directory (created if missing)",
            path.display()
        ),
        _ => Ok(()),
    }
}

/// An output directory written only at the end of a run (`--charts`):
/// besides [`output_dir`], it can be written, or created where it is
/// missing, so that a run never fails on it after its commit.
pub fn writable_dir(path: &Path, flag: &str) -> anyhow::Result<()> {
    output_dir(path, flag)?;
    // The directory itself, or the nearest folder above it that exists.
    let existing = path
        .ancestors()
        .map(|p| {
            if p.as_os_str().is_empty() {
                Path::new(".")
            } else {
                p
            }
        })
        .find(|p| p.exists())
        .unwrap_or(Path::new("."));
    if !existing.is_dir() {
        bail!(
            "{flag} {}: {} is a file, not a directory",
            path.display(),
            existing.display()
        );
    }
    probe(existing).map_err(|e| {
        anyhow::anyhow!(
            "{flag} {}: cannot write into {}: {e}; give a folder you can write to",
            path.display(),
            existing.display()
        )
    })
}

/// Creates and removes a file in `dir`: the one sure test of a write.
fn probe(dir: &Path) -> std::io::Result<()> {
    let file = dir.join(format!(".dwh-write-test-{}", std::process::id()));
    std::fs::File::create(&file)?;
    std::fs::remove_file(&file)
}

/// A file dwh writes (`--report`, `--rejects`): a file, or nothing yet.
pub fn output_file(path: &Path, flag: &str) -> anyhow::Result<()> {
    if path.is_dir() {
        bail!(
            "{flag} {} is a directory, not a file; give a file name",
            path.display()
        );
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        if parent.exists() && !parent.is_dir() {
            bail!(
                "{flag} {}: {} is a file, not a directory",
                path.display(),
                parent.display()
            );
        }
    }
    Ok(())
}

/// A file written only at the end of a run (`--report`): besides
/// [`output_file`], its folder exists and it can be written there, so that
/// a run never fails on it after its commit.
pub fn writable_file(path: &Path, flag: &str) -> anyhow::Result<()> {
    output_file(path, flag)?;
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !parent.is_dir() {
        bail!(
            "{flag} {}: no such directory {}; create it first or give another path",
            path.display(),
            parent.display()
        );
    }
    let writable = if path.exists() {
        // Opened for writing, not truncated: the old report stays as it is.
        std::fs::OpenOptions::new().write(true).open(path).map(drop)
    } else {
        probe(parent)
    };
    writable.map_err(|e| {
        anyhow::anyhow!(
            "{flag} {}: cannot write it: {e}; give a path you can write to",
            path.display()
        )
    })
}

/// Creates an output directory checked by [`output_dir`].
pub fn create_dir(path: &Path, flag: &str) -> anyhow::Result<()> {
    output_dir(path, flag)?;
    std::fs::create_dir_all(path).map_err(|e| {
        anyhow::anyhow!(
            "{flag} {}: cannot create the directory: {e}",
            path.display()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_wrong_type_is_named() {
        let dir = std::env::temp_dir().join(format!("dwh-paths-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("f");
        std::fs::write(&file, "").unwrap();
        let message = |r: anyhow::Result<()>| r.unwrap_err().to_string();
        assert!(message(input_dir(&file, "--data")).contains("is a file, not a directory"));
        assert!(message(input_dir(&dir.join("none"), "--data")).contains("no such directory"));
        assert!(message(output_dir(&file, "--out")).contains("is a file, not a directory"));
        assert!(message(output_file(&dir, "--report")).contains("is a directory, not a file"));
        assert!(message(output_file(&file.join("r.json"), "--report"))
            .contains("is a file, not a directory"));
        assert!(input_dir(&dir, "--data").is_ok());
        assert!(output_dir(&dir.join("new"), "--out").is_ok());
        assert!(output_file(&dir.join("r.json"), "--report").is_ok());
        assert!(message(writable_file(&dir.join("none/r.json"), "--report"))
            .contains("no such directory"));
        assert!(message(writable_dir(&file.join("charts"), "--charts"))
            .contains("is a file, not a directory"));
        assert!(writable_file(&dir.join("r.json"), "--report").is_ok());
        assert!(writable_dir(&dir.join("new/charts"), "--charts").is_ok());
        assert!(!dir.join("new").exists(), "a check creates nothing");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
