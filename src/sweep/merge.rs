//! `onboard sweep merge DIR…`: the shards of a sweep (`--shard K/N`), each in its
//! own folder, combined into the table and charts a single run gives, byte for
//! byte: the same cells, read back exactly, in the same grid order.
//!
//! Everything read back is checked again: every folder's layout
//! ([`Layout::load`]) must be the first's in all that its cells depend on
//! ([`Layout::difference`]), every folder's copy of the spec must be the one its
//! layout was written with, and every cell file must be its cell's, of this spec
//! ([`CellStore::get`]); anything else is refused, naming the folder or file.

use super::cells::{CellResult, CellStore, Stored, fnv1a};
use super::error::SweepError;
use super::outputs::{Layout, draw, write_report, write_table};
use super::{
    CELLS_FOLDER, MAX_SPEC_BYTES, SPEC_COPY, SWEEP_CSV, SweepOutcome, check_folder, counted,
    keep_spec, read_text,
};
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
    let spec = spec_copy(first, &layout)?;
    for folder in &folders[1..] {
        let other = Layout::load(folder)?;
        if let Some(difference) = layout.difference(&other) {
            bail!(
                "{} holds another sweep than {}: {difference}; only shards of one sweep, \
                 run with one spec, merge",
                folder.display(),
                first.display()
            );
        }
        spec_copy(folder, &other)?;
    }
    let stores: Vec<CellStore> = folders
        .iter()
        .map(|folder| CellStore::at(&folder.join(CELLS_FOLDER)))
        .collect();
    let mut results: Vec<CellResult> = Vec::with_capacity(layout.keys.len());
    let mut missing = Vec::new();
    let mut invalid = Vec::new();
    for key in &layout.keys {
        let mut found = None;
        for store in &stores {
            match store.get(&layout, key) {
                Stored::Fresh(result) => {
                    found = Some(result);
                    break;
                }
                Stored::Invalid(problem) => invalid.push(problem),
                Stored::Stale | Stored::Missing => {}
            }
        }
        match found {
            Some(result) => results.push(result),
            None => missing.push(key.clone()),
        }
    }
    if !invalid.is_empty() {
        bail!(
            "{} not as `onboard sweep` writes them (rerun the sweep or shard into its \
             folder: it runs such cells again): {}",
            counted(invalid.len(), "cell file is", "cell files are"),
            first_few(&invalid, "; ")
        );
    }
    if !missing.is_empty() {
        bail!(
            "{} of {} cells {} finished in none of the folders (a shard missing or \
             unfinished? rerun it): {}",
            missing.len(),
            layout.keys.len(),
            if missing.len() == 1 { "is" } else { "are" },
            first_few(&missing, ", ")
        );
    }
    let folder = out.map_or_else(
        || Path::new("results").join(format!("sweep-{}", layout.name)),
        Path::to_path_buf,
    );
    check_folder(&folder, &layout)?;
    std::fs::create_dir_all(&folder)
        .with_context(|| format!("cannot create the folder {}", folder.display()))?;
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
        invalid: Vec::new(),
        results: Some(results),
    })
}

/// The copy of the spec in `folder`, checked against its layout `layout`: the text
/// it was written with (a layout of an earlier version, which has no hash of it,
/// is taken at its word).
fn spec_copy(folder: &Path, layout: &Layout) -> Result<String> {
    let path = folder.join(SPEC_COPY);
    let text = read_text(&path, MAX_SPEC_BYTES, "a sweep spec")
        .with_context(|| format!("cannot read the sweep's spec {}", path.display()))?;
    if layout
        .spec_fingerprint
        .is_some_and(|hash| hash != fnv1a(text.as_bytes()))
    {
        Err(SweepError::BadFile {
            path,
            reason: format!(
                "is not the spec that {} beside it was written with (edited since, or left \
                 by a sweep stopped as it started?); run the sweep again into {}",
                super::outputs::LAYOUT_JSON,
                folder.display()
            ),
        })?;
    }
    Ok(text)
}

/// The first five of `items` joined by `separator`, with `…` when there are more.
fn first_few(items: &[String], separator: &str) -> String {
    let shown: Vec<&str> = items.iter().take(5).map(String::as_str).collect();
    let more = if items.len() > shown.len() {
        format!("{separator}…")
    } else {
        String::new()
    };
    format!("{}{more}", shown.join(separator))
}
