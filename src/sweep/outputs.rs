//! What a sweep writes and how its cells are laid out: [`Layout`] (kept in the
//! sweep's folder as `layout.json`, so that shards can be merged without the spec's
//! scenario files), `sweep.csv`, a chart per metric, a heatmap per metric when two
//! parameters are swept, and `report.html`.

use super::cells::CellResult;
use super::spec::Metric;
use crate::output::{cell, write_csv, write_json};
use crate::plots::{Series, heatmap, line_chart};
use crate::report::{self, Page, escape};
use crate::stats::Interval;
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

/// The index of the cell with the highest mean of metric `m` (the first on ties).
fn best(results: &[CellResult], m: usize) -> Option<usize> {
    results
        .iter()
        .enumerate()
        .filter(|(_, r)| !r.metrics[m].mean.is_nan())
        .fold(None, |best: Option<(usize, f64)>, (i, r)| match best {
            Some((_, top)) if r.metrics[m].mean <= top => best,
            _ => Some((i, r.metrics[m].mean)),
        })
        .map(|(i, _)| i)
}

/// The chart files of `metric`: its line chart and, for two parameters, its heatmap.
fn chart_stems(layout: &Layout, metric: Metric) -> Vec<(String, String)> {
    let name = metric.name();
    let mut stems = vec![(
        format!("sweep-{name}"),
        format!(
            "{name} against {}, 95 % band; the best cell marked",
            layout.paths[0]
        ),
    )];
    if layout.paths.len() == 2 {
        stems.push((
            format!("sweep-{name}-heatmap"),
            format!(
                "{name} by {} and {}; the best cell outlined",
                layout.paths[0], layout.paths[1]
            ),
        ));
    }
    stems
}

/// The heatmap of metric `m` over the two swept parameters: one rectangle per
/// pair of values (grey where a random design drew none).
fn draw_heatmap(folder: &Path, layout: &Layout, results: &[CellResult], m: usize) -> Result<()> {
    let distinct = |k: usize| {
        let mut values: Vec<f64> = results.iter().map(|r| r.values[k]).collect();
        values.sort_by(f64::total_cmp);
        values.dedup();
        values
    };
    let (x, y) = (distinct(0), distinct(1));
    let position = |values: &[f64], v: f64| values.iter().position(|&u| u == v);
    let mut z = vec![vec![f64::NAN; x.len()]; y.len()];
    for result in results {
        if let (Some(i), Some(j)) = (
            position(&x, result.values[0]),
            position(&y, result.values[1]),
        ) {
            z[j][i] = result.metrics[m].mean;
        }
    }
    let best = best(results, m).and_then(|b| {
        let result = &results[b];
        Some((
            position(&x, result.values[0])?,
            position(&y, result.values[1])?,
        ))
    });
    let name = layout.metrics[m].name();
    heatmap(
        &folder.join(format!("sweep-{name}-heatmap")),
        &format!(
            "{}: {name} (mean of {} replicates)",
            layout.name, layout.replicates
        ),
        &layout.paths[0],
        &layout.paths[1],
        (&x, &y),
        &z,
        best,
    )
    .with_context(|| format!("drawing the sweep's {name} heatmap"))?;
    Ok(())
}

/// `report.html`: the best cell of every metric, the table, the charts and the
/// spec (`spec`, its text).
pub fn write_report(
    folder: &Path,
    layout: &Layout,
    results: &[CellResult],
    spec: &str,
) -> Result<()> {
    let mut page = Page::new(folder, &format!("Sweep {}", layout.name));
    page.paragraph(
        &format!(
            "{} cells over {}, {} replicates each; every value a mean per user with its \
             95 % interval.",
            results.len(),
            layout.paths.join(", "),
            layout.replicates
        ),
        false,
    );
    page.heading("Best cells");
    let rows: Vec<Vec<String>> = layout
        .metrics
        .iter()
        .enumerate()
        .filter_map(|(m, metric)| {
            let result = &results[best(results, m)?];
            let at = layout
                .paths
                .iter()
                .zip(&result.values)
                .map(|(p, v)| format!("{p} = {v}"))
                .collect::<Vec<_>>()
                .join(", ");
            Some(vec![
                escape(&metric.name()),
                escape(&at),
                interval(&result.metrics[m]),
            ])
        })
        .collect();
    page.table(&["metric", "highest at", "value"], &rows);
    page.heading("Every cell");
    let mut header: Vec<String> = layout.paths.clone();
    header.extend(layout.metrics.iter().map(|m| m.name()));
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let rows: Vec<Vec<String>> = results
        .iter()
        .map(|r| {
            r.values
                .iter()
                .map(|v| format!("{v}"))
                .chain(r.metrics.iter().map(interval))
                .collect()
        })
        .collect();
    page.table(&header, &rows);
    page.heading("Charts");
    let figures: Vec<(String, String)> = layout
        .metrics
        .iter()
        .flat_map(|&metric| chart_stems(layout, metric))
        .collect();
    page.figures(&figures);
    page.heading("Spec");
    page.code(spec);
    page.write()?;
    Ok(())
}

/// `mean [low, high]` in four decimals, the interval muted, as every report shows
/// an interval.
fn interval(metric: &super::cells::CellMetric) -> String {
    let interval = Interval {
        estimate: metric.mean,
        low: metric.low,
        high: metric.high,
    };
    report::cell(&interval, 1.0, 4)
}

/// One chart per metric against the first parameter: a line (with its interval
/// band) per combination of the other parameters' values, and the best cell
/// marked; and a heatmap per metric when two parameters are swept.
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
            if let Some(best) = best(results, m).map(|b| &results[b]) {
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
            if layout.paths.len() == 2 {
                draw_heatmap(folder, layout, results, m)?;
            }
            Ok(())
        })
}
