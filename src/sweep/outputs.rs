//! What a sweep writes and how its cells are laid out: [`Layout`] (kept in the
//! sweep's folder as `layout.json`, so that shards can be merged without the spec's
//! scenario files), `sweep.csv` and a chart per metric.

use super::cells::CellResult;
use super::spec::Metric;
use crate::output::{cell, write_csv, write_json};
use crate::plots::{Series, line_chart};
use anyhow::{Context, Result};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The layout of a sweep's file.
pub const LAYOUT_JSON: &str = "layout.json";

/// Everything a sweep's table and charts need besides the cells' results: the
/// grid in order, and what each cell's fingerprint derives from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Layout {
    /// The sweep's name.
    pub name: String,
    /// The swept parameters' paths.
    pub paths: Vec<String>,
    /// The metrics, in order.
    pub metrics: Vec<Metric>,
    /// Replicates per cell.
    pub replicates: usize,
    /// Every cell's key, in grid order.
    pub keys: Vec<String>,
    /// What every cell depends on beyond its key, hashed.
    pub base_fingerprint: u64,
}

impl Layout {
    /// The fingerprint of the cell of `key`: what its result depends on.
    pub fn fingerprint(&self, key: &str) -> u64 {
        super::cells::fnv1a(format!("{}|{key}", self.base_fingerprint).as_bytes())
    }

    /// Writes the layout into `folder`.
    pub fn save(&self, folder: &Path) -> Result<()> {
        write_json(&folder.join(LAYOUT_JSON), self)?;
        Ok(())
    }

    /// Reads the layout of the sweep folder `folder`.
    pub fn load(folder: &Path) -> Result<Self> {
        let path = folder.join(LAYOUT_JSON);
        let text = std::fs::read_to_string(&path).with_context(|| {
            format!(
                "{} is not a sweep's folder: cannot read {LAYOUT_JSON}",
                folder.display()
            )
        })?;
        serde_json::from_str(&text)
            .with_context(|| format!("{} is not as `onboard sweep` writes it", path.display()))
    }
}

/// `sweep.csv`: one row per cell, in grid order.
pub fn write_table(path: &Path, layout: &Layout, results: &[CellResult]) -> Result<()> {
    let mut header = layout.paths.clone();
    header.push("replicates".into());
    for metric in &layout.metrics {
        let name = metric.name();
        header.extend([name.clone(), format!("{name}_low"), format!("{name}_high")]);
    }
    write_csv(path, |writer| {
        writer.write_record(&header)?;
        for result in results {
            let mut row: Vec<String> = result.values.iter().map(|&v| cell(v)).collect();
            row.push(result.replicates.to_string());
            for m in &result.metrics {
                row.extend([cell(m.mean), cell(m.low), cell(m.high)]);
            }
            writer.write_record(&row)?;
        }
        Ok(())
    })?;
    Ok(())
}

/// One chart per metric against the first parameter: a line (with its interval
/// band) per combination of the other parameters' values, and the best cell
/// marked.
pub fn draw(folder: &Path, layout: &Layout, results: &[CellResult]) -> Result<()> {
    let x_path = &layout.paths[0];
    layout
        .metrics
        .par_iter()
        .enumerate()
        .try_for_each(|(m, metric)| {
            let mut lines: Vec<(String, Vec<&CellResult>)> = Vec::new();
            for result in results {
                let rest = layout.paths[1..]
                    .iter()
                    .zip(&result.values[1..])
                    .map(|(p, v)| format!("{p}={v}"))
                    .collect::<Vec<_>>()
                    .join(", ");
                match lines.iter_mut().find(|(name, _)| *name == rest) {
                    Some((_, cells)) => cells.push(result),
                    None => lines.push((rest, vec![result])),
                }
            }
            let mut series: Vec<Series> = lines
                .iter()
                .map(|(name, cells)| {
                    let name = if name.is_empty() {
                        metric.name()
                    } else {
                        name.clone()
                    };
                    Series::new(
                        name,
                        cells
                            .iter()
                            .map(|c| (c.values[0], c.metrics[m].mean))
                            .collect(),
                    )
                    .with_band(
                        cells
                            .iter()
                            .map(|c| (c.values[0], c.metrics[m].low, c.metrics[m].high))
                            .collect(),
                    )
                })
                .collect();
            if let Some(best) = results
                .iter()
                .max_by(|a, b| a.metrics[m].mean.total_cmp(&b.metrics[m].mean))
            {
                let at: Vec<String> = best.values.iter().map(|v| format!("{v}")).collect();
                series.push(Series::new(
                    format!("best: {}", at.join(", ")),
                    vec![(best.values[0], best.metrics[m].mean)],
                ));
            }
            line_chart(
                &folder.join(format!("sweep-{}", metric.name())),
                &format!("{}: {} per cell", layout.name, metric.name()),
                x_path,
                &format!(
                    "{} (mean of {} replicates, 95 % band)",
                    metric.name(),
                    layout.replicates
                ),
                &series,
            )
            .with_context(|| format!("drawing the sweep's {} chart", metric.name()))?;
            Ok(())
        })
}
