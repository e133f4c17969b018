//! Definition folders (`projections/`, `sagas/`): the files to read.

use std::path::{Path, PathBuf};

/// The `*.toml` files of a folder, sorted by name; none when the folder
/// does not exist.
pub fn toml_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let mut paths: Vec<_> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    Ok(paths)
}
