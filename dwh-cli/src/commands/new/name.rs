//! The new project's name: given with `--name`, or made from the folder's
//! name; it names the cargo package, its library crate (`-` as `_`) and the
//! dwh project (database, cluster, S3 prefix).

use std::path::Path;

use anyhow::bail;

/// Longest name a dwh project takes (`dwh_core::Project` checks the same).
const MAX_LEN: usize = 40;

/// Names a crate of the project cannot have: Rust keywords, the crates it
/// depends on or the standard library's (its `use` lines would be
/// ambiguous), and folder names of cargo's build directory.
#[rustfmt::skip]
const RESERVED: &[&str] = &[
    // Keywords, strict and reserved (https://doc.rust-lang.org/reference/keywords.html).
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "static", "struct", "super", "trait", "true", "try", "type", "typeof",
    "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
    // Crates in scope.
    "alloc", "core", "proc_macro", "std", "test", "dwh_core", "dwh_cli", "dwh_derive", "serde",
    "chrono",
    // cargo refuses these as package names.
    "build", "deps", "examples", "incremental",
];

/// The name to use: `given`, or one made from `path`'s last component.
pub fn resolve(given: Option<&str>, path: &Path) -> anyhow::Result<String> {
    if let Some(name) = given {
        check(name).map_err(|why| anyhow::anyhow!("--name {name}: {why}"))?;
        return Ok(name.to_owned());
    }
    let folder = folder_name(path);
    let name = from_folder(&folder);
    if let Err(why) = check(&name) {
        bail!(
            "cannot name the project after its folder `{folder}` (made `{name}`: {why}); \
             give a name with --name NAME"
        );
    }
    Ok(name)
}

/// `path`'s last component, resolving `.` and `..` when the folder exists.
fn folder_name(path: &Path) -> String {
    let named = |p: &Path| p.file_name().map(|n| n.to_string_lossy().into_owned());
    named(path)
        .filter(|n| n != "..")
        .or_else(|| path.canonicalize().ok().as_deref().and_then(named))
        .unwrap_or_default()
}

/// Lowercase, other characters as `-`, starting with a letter:
/// `My Shop 2` → `my-shop-2`, `2026_sales` → `sales`.
pub fn from_folder(folder: &str) -> String {
    let mut name = String::new();
    for c in folder.chars().flat_map(char::to_lowercase) {
        let c = if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' {
            c
        } else {
            '-'
        };
        let leading = !name.starts_with(|c: char| c.is_ascii_lowercase());
        if leading && !c.is_ascii_lowercase() {
            continue;
        }
        if !(c == '-' && name.ends_with('-')) {
            name.push(c);
        }
    }
    name.truncate(MAX_LEN);
    name.trim_end_matches(['-', '_']).to_owned()
}

/// Why `name` cannot name a project, if it cannot.
pub fn check(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("a name is needed".to_owned());
    }
    if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Err("it must start with a lowercase letter".to_owned());
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_')))
    {
        return Err(format!(
            "`{c}` is not allowed: use lowercase letters, digits, `-` and `_`"
        ));
    }
    if name.len() > MAX_LEN {
        return Err(format!(
            "it has {} characters, at most {MAX_LEN} fit",
            name.len()
        ));
    }
    let krate = crate_name(name);
    if RESERVED.contains(&krate.as_str()) {
        return Err(format!(
            "`{krate}` is a Rust keyword or a crate the project uses; choose another"
        ));
    }
    Ok(())
}

/// The library crate's name: `my-shop` → `my_shop`.
pub fn crate_name(name: &str) -> String {
    name.replace('-', "_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_names_become_project_names() {
        assert_eq!(from_folder("my-warehouse"), "my-warehouse");
        assert_eq!(from_folder("My Shop  2"), "my-shop-2");
        assert_eq!(from_folder("2026_Sales!"), "sales");
        assert_eq!(from_folder("Ünïcode"), "n-code");
        assert_eq!(from_folder("123"), "");
        assert_eq!(from_folder(&"a".repeat(50)).len(), MAX_LEN);
    }

    #[test]
    fn bad_names_say_why() {
        assert!(check("shop").is_ok());
        assert!(check("my_shop-2").is_ok());
        assert!(check("Shop").unwrap_err().contains("lowercase letter"));
        assert!(check("my.shop").unwrap_err().contains("`.` is not allowed"));
        assert!(check("fn").unwrap_err().contains("keyword"));
        assert!(check("dwh-core")
            .unwrap_err()
            .contains("crate the project uses"));
        assert!(check(&"a".repeat(41))
            .unwrap_err()
            .contains("41 characters"));
        assert!(resolve(None, Path::new("/tmp/123"))
            .unwrap_err()
            .to_string()
            .contains("--name NAME"));
        assert_eq!(resolve(None, Path::new("../My Shop")).unwrap(), "my-shop");
        assert!(resolve(Some("Bad"), Path::new("x"))
            .unwrap_err()
            .to_string()
            .starts_with("--name Bad:"));
    }
}
