//! `onboard sweep merge DIR…`: the shards of a sweep (`--shard K/N`), each in its
//! own folder, combined into the table and charts a single run gives, byte for
//! byte: the same cells, read back exactly, in the same grid order.

use super::cells::{Cell, CellResult, CellStore, Stored};
use super::outputs::{Layout, draw, write_report, write_table};
use super::{CELLS_FOLDER, SPEC_COPY, SWEEP_CSV, SweepOutcome, check_folder, keep_spec};
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};

/// Merges the sweep folders `folders` (shards of one sweep, or any folders holding
/// its cells) into `out` (default: `results/sweep-<name>`): every cell of the grid
/// must be finished in one of them, with the same spec.
pub fn merge(folders: &[PathBuf], out: Option<&Path>) -> Result<SweepOutcome> {
    let Some(first) = folders.first() else {
        bail!("merge needs at least one sweep folder");
    };
    let layout = Layout::load(first)?;
    for folder in &folders[1..] {
        if Layout::load(folder)? != layout {
            bail!(
                "{} holds another sweep than {} (or the same one with another spec): \
                 only shards of one sweep merge",
                folder.display(),
                first.display()
            );
        }
    }
    let stores = folders
        .iter()
        .map(|folder| CellStore::open(&folder.join(CELLS_FOLDER)))
        .collect::<Result<Vec<_>>>()?;
    let mut results: Vec<CellResult> = Vec::with_capacity(layout.keys.len());
    let mut missing = Vec::new();
    for key in &layout.keys {
        let cell = Cell::from_key(key);
        let found =
            stores
                .iter()
                .find_map(|store| match store.get(&cell, layout.fingerprint(key)) {
                    Stored::Fresh(result) => Some(result),
                    Stored::Stale | Stored::Missing => None,
                });
        match found {
            Some(result) => results.push(result),
            None => missing.push(key.clone()),
        }
    }
    if !missing.is_empty() {
        let shown: Vec<&str> = missing.iter().take(5).map(String::as_str).collect();
        bail!(
            "{} of {} cells are finished in none of the folders (a shard missing or \
             unfinished? rerun it): {}{}",
            missing.len(),
            layout.keys.len(),
            shown.join(", "),
            if missing.len() > shown.len() {
                ", …"
            } else {
                ""
            }
        );
    }
    let folder = out.map_or_else(
        || Path::new("results").join(format!("sweep-{}", layout.name)),
        Path::to_path_buf,
    );
    check_folder(&folder)?;
    std::fs::create_dir_all(&folder)
        .map_err(|e| anyhow::anyhow!("cannot create the folder {}: {e}", folder.display()))?;
    let spec_path = first.join(SPEC_COPY);
    let spec = std::fs::read_to_string(&spec_path)
        .with_context(|| format!("cannot read the sweep's spec {}", spec_path.display()))?;
    keep_spec(&folder, &spec, &layout)?;
    write_table(&folder.join(SWEEP_CSV), &layout, &results)?;
    draw(&folder, &layout, &results)?;
    write_report(&folder, &layout, &results, &spec)?;
    Ok(SweepOutcome {
        folder,
        cells: layout.keys.len(),
        shard: None,
        ran: 0,
        skipped: layout.keys.len(),
        stale: Vec::new(),
        results: Some(results),
    })
}
