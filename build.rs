//! Embeds the page: writes `$OUT_DIR/web_files.rs`, a `(path under web/, include_bytes!)`
//! pair for each file under `web/`, which `src/http/web.rs` includes. Cargo runs this again
//! when anything under `web/` changes, so a new file is served without touching Rust code
//! (a crate such as include_dir notices a new file only on nightly Rust).

use std::path::{Path, PathBuf};
use std::{env, fs, io};

fn main() -> io::Result<()> {
    println!("cargo::rerun-if-changed=web");
    let manifest =
        env::var_os("CARGO_MANIFEST_DIR").ok_or_else(|| missing("CARGO_MANIFEST_DIR"))?;
    let root = Path::new(&manifest).join("web");
    let mut files = Vec::new();
    walk(&root, &mut files)?;
    files.sort();
    let mut out = String::from("&[\n");
    for file in &files {
        let name = file
            .strip_prefix(&root)
            .map_err(io::Error::other)?
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        let path = file.to_string_lossy();
        out.push_str(&format!("    ({name:?}, include_bytes!({path:?})),\n"));
    }
    out.push_str("]\n");
    let dir = env::var_os("OUT_DIR").ok_or_else(|| missing("OUT_DIR"))?;
    fs::write(PathBuf::from(dir).join("web_files.rs"), out)
}

/// Every file under `dir`, hidden ones (an editor's swap file, `.DS_Store`) left out.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        {
            continue;
        }
        if path.is_dir() {
            walk(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

fn missing(variable: &str) -> io::Error {
    io::Error::other(format!("{variable} is not set (run by Cargo)"))
}
