//! The cells of a sweep: the grid of parameter values, each cell's key, seed and
//! fingerprint, and the file a finished cell is kept in.
//!
//! A cell's **key** is its parameters and values in words
//! (`scenario.levers[1].cost=0.5`); its **seed** derives from the spec's seed and
//! the key, not from the cell's position, so adding values to a grid never changes
//! the cells already there. Its **fingerprint** hashes everything its result
//! depends on (the base experiment as resolved, the files its policies name, the
//! seed, the key, the replicates, the metrics): a finished cell whose fingerprint
//! no longer matches the spec is stale. A cell's file read back is checked against
//! the sweep's layout before its numbers are used ([`CellStore::get`]).

use super::outputs::Layout;
use super::spec::Metric;
use super::{MAX_CELL_BYTES, read_text};
use crate::ab::run::derive_seed;
use crate::output::write_json;
use crate::stats::Z95;
use anyhow::{Context, Result};
use onboard_envs::Estimate;
use serde::{Deserialize, Deserializer, Serialize};
use std::path::{Path, PathBuf};

/// 64-bit FNV-1a of `bytes`. Written by hand (five lines) because the hash must
/// never change between Rust versions or platforms: std's hasher makes no such
/// promise, and cell files outlive the binary that wrote them.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// One cell: a value for every swept parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// The values, in the order of the spec's parameters.
    pub values: Vec<f64>,
    /// `path=value` for every parameter, joined by `;`.
    pub key: String,
}

impl Cell {
    /// The cell of `values` for the parameters at `paths`.
    pub fn new(paths: &[String], values: Vec<f64>) -> Self {
        let key = paths
            .iter()
            .zip(&values)
            .map(|(path, value)| format!("{path}={value:?}"))
            .collect::<Vec<_>>()
            .join(";");
        Self { values, key }
    }

    /// The seed of replicate `replicate` (0, 1, …) of this cell in a sweep seeded
    /// with `seed`.
    pub fn seed(&self, seed: u64, replicate: usize) -> u64 {
        derive_seed(seed, &[fnv1a(self.key.as_bytes()), replicate as u64])
    }
}

/// The name of the file of the cell of `key`: the key's hash, in hex.
pub fn file_name(key: &str) -> String {
    format!("{:016x}.json", fnv1a(key.as_bytes()))
}

/// Every combination of `values` (one list per parameter, the first varying
/// slowest).
pub fn grid(paths: &[String], values: &[Vec<f64>]) -> Vec<Cell> {
    let mut combinations: Vec<Vec<f64>> = vec![Vec::new()];
    for list in values {
        combinations = combinations
            .into_iter()
            .flat_map(|prefix| {
                list.iter().map(move |&v| {
                    let mut next = prefix.clone();
                    next.push(v);
                    next
                })
            })
            .collect();
    }
    combinations
        .into_iter()
        .map(|values| Cell::new(paths, values))
        .collect()
}

/// `count` cells drawn at random, without repeats, from the grid of `values`
/// (draw `i` takes for parameter `j` the value at `derive_seed(seed, [i, j])`
/// modulo its count; a repeat is drawn again). The same seed draws the same cells
/// in the same order, so a larger `count` keeps the cells a smaller one drew.
/// `count` must not exceed the grid's size.
pub fn random(paths: &[String], values: &[Vec<f64>], count: usize, seed: u64) -> Vec<Cell> {
    let mut seen = std::collections::HashSet::new();
    let mut cells = Vec::with_capacity(count);
    let mut draw = 0_u64;
    while cells.len() < count {
        let indices: Vec<usize> = values
            .iter()
            .enumerate()
            .map(|(j, list)| (derive_seed(seed, &[draw, j as u64]) % list.len() as u64) as usize)
            .collect();
        draw += 1;
        if seen.insert(indices.clone()) {
            let chosen = indices
                .iter()
                .zip(values)
                .map(|(&i, list)| list[i])
                .collect();
            cells.push(Cell::new(paths, chosen));
        }
    }
    cells
}

/// One metric of a finished cell: the mean over its replicates and a 95 %
/// interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CellMetric {
    /// The metric's column name.
    pub name: String,
    /// Mean of the replicates' means (NaN where undefined, `null` in the file).
    #[serde(deserialize_with = "nan_if_null")]
    pub mean: f64,
    /// Lower end of the 95 % interval.
    #[serde(deserialize_with = "nan_if_null")]
    pub low: f64,
    /// Upper end.
    #[serde(deserialize_with = "nan_if_null")]
    pub high: f64,
}

/// A number that JSON writes as `null` when undefined (NaN), read back as NaN: an
/// undefined metric (a lift without pairs) is a finished cell, not a missing one.
fn nan_if_null<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(deserializer)?.unwrap_or(f64::NAN))
}

impl CellMetric {
    /// Whether the numbers can be this metric's: undefined (NaN) all three, a mean
    /// without an interval (one user has none), or finite with the mean inside its
    /// interval.
    fn is_consistent(&self) -> bool {
        let no_interval = self.low.is_nan() && self.high.is_nan();
        if self.mean.is_nan() || no_interval {
            return no_interval && !self.mean.is_infinite();
        }
        [self.mean, self.low, self.high]
            .iter()
            .all(|x| x.is_finite())
            && self.low <= self.mean
            && self.mean <= self.high
    }

    /// `metric` over replicates of equal size: the mean of their means, with the
    /// normal interval of that mean, each replicate's standard error read back from
    /// its own interval, so that one replicate gives its own interval.
    pub fn combine(metric: Metric, replicates: &[Estimate]) -> Self {
        let n = replicates.len() as f64;
        let mean = replicates.iter().map(|e| e.mean).sum::<f64>() / n;
        let variance: f64 = replicates
            .iter()
            .map(|e| ((e.high - e.low) / (2.0 * Z95)).powi(2))
            .sum();
        let half = Z95 * variance.sqrt() / n;
        Self {
            name: metric.name(),
            mean,
            low: mean - half,
            high: mean + half,
        }
    }
}

/// A finished cell, as kept in its file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CellResult {
    /// The cell's key.
    pub key: String,
    /// What the result depends on, hashed.
    pub fingerprint: u64,
    /// The parameters' values.
    pub values: Vec<f64>,
    /// Replicates run.
    pub replicates: usize,
    /// The metrics, in the spec's order.
    pub metrics: Vec<CellMetric>,
}

/// Where a sweep keeps its finished cells.
#[derive(Debug, Clone)]
pub struct CellStore {
    folder: PathBuf,
}

/// What the store holds for a cell.
#[derive(Debug)]
pub enum Stored {
    /// Finished with this spec.
    Fresh(CellResult),
    /// Finished, but with a spec that differs in what the cell depends on.
    Stale,
    /// Not finished.
    Missing,
    /// A file that is not this cell as `onboard sweep` writes it: the file and
    /// what is wrong.
    Invalid(String),
}

impl CellStore {
    /// The store in `folder`, which may not exist yet (nothing is created).
    pub fn at(folder: &Path) -> Self {
        Self {
            folder: folder.to_path_buf(),
        }
    }

    /// The store in `folder`, created if missing, to keep cells in.
    pub fn create(folder: &Path) -> Result<Self> {
        std::fs::create_dir_all(folder)
            .with_context(|| format!("cannot create the folder {}", folder.display()))?;
        Ok(Self::at(folder))
    }

    /// What the store holds for the cell of `key` of the sweep `layout`: its file
    /// is read back only if it is the cell's, of this spec, with the layout's
    /// parameters, values, replicates and metrics, and numbers a metric can have.
    pub fn get(&self, layout: &Layout, key: &str) -> Stored {
        let path = self.folder.join(file_name(key));
        let invalid = |reason: String| Stored::Invalid(format!("{}: {reason}", path.display()));
        let text = match read_text(&path, MAX_CELL_BYTES, "a cell's file") {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Stored::Missing,
            Err(error) => return invalid(error.to_string()),
        };
        let result = match serde_json::from_str::<CellResult>(&text) {
            Ok(result) => result,
            Err(error) => {
                return invalid(format!("not a cell as `onboard sweep` writes it: {error}"));
            }
        };
        if result.key != key {
            return invalid(format!("holds the cell {}, not {key}", result.key));
        }
        if result.fingerprint != layout.fingerprint(key) {
            return Stored::Stale;
        }
        match check(layout, &result) {
            Ok(()) => Stored::Fresh(result),
            Err(reason) => invalid(format!("the cell {key} {reason}")),
        }
    }

    /// Keeps `result`, atomically.
    pub fn put(&self, result: &CellResult) -> Result<()> {
        write_json(&self.folder.join(file_name(&result.key)), result)?;
        Ok(())
    }
}

/// Checks a finished cell's contents against the sweep's `layout`.
fn check(layout: &Layout, result: &CellResult) -> Result<(), String> {
    let names: Vec<String> = layout.metrics.iter().map(|m| m.name()).collect();
    let found: Vec<&str> = result.metrics.iter().map(|m| m.name.as_str()).collect();
    if result.values.len() != layout.paths.len()
        || Cell::new(&layout.paths, result.values.clone()).key != result.key
    {
        Err(format!(
            "has the values {:?}, which are not its key's",
            result.values
        ))
    } else if result.replicates != layout.replicates {
        Err(format!(
            "has {} replicates; the sweep runs {}",
            result.replicates, layout.replicates
        ))
    } else if found != names {
        Err(format!(
            "has the metrics {}; the sweep's are {}",
            found.join(", "),
            names.join(", ")
        ))
    } else if let Some(bad) = result.metrics.iter().find(|m| !m.is_consistent()) {
        Err(format!(
            "has {} = {} in [{}, {}], which no metric can be",
            bad.name, bad.mean, bad.low, bad.high
        ))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_metric_read_back_is_undefined_a_mean_alone_or_a_mean_inside_its_interval() {
        let nan = f64::NAN;
        let metric = |mean, low, high| CellMetric {
            name: "profit".into(),
            mean,
            low,
            high,
        };
        for (mean, low, high) in [(1.0, 0.5, 2.0), (1.0, nan, nan), (nan, nan, nan)] {
            assert!(
                metric(mean, low, high).is_consistent(),
                "{mean} {low} {high}"
            );
        }
        for (mean, low, high) in [(1.0, 2.0, 3.0), (nan, 0.0, 1.0), (1.0, nan, 2.0)] {
            assert!(
                !metric(mean, low, high).is_consistent(),
                "{mean} {low} {high}"
            );
        }
        let read: CellMetric =
            serde_json::from_str(r#"{"name": "x", "mean": 1.0, "low": null, "high": null}"#)
                .expect("null reads as NaN");
        assert!(read.low.is_nan() && read.high.is_nan());
    }
}
