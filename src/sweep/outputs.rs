//! What a sweep writes and how its cells are laid out: [`Layout`] (kept in the
//! sweep's folder as `layout.json`, so that shards can be merged without the spec's
//! scenario files), `sweep.csv`, a chart per metric, a heatmap per metric when two
//! parameters are swept, and `report.html`.

use super::cells::CellResult;
use super::error::SweepError;
use super::spec::{MAX_CELLS, MAX_METRICS, MAX_PARAMETERS, MAX_REPLICATES, Metric};
use super::{MAX_LAYOUT_BYTES, read_text};
use crate::output::{cell, write_csv, write_json};
use crate::plots::{Series, heatmap, line_chart};
use crate::report::{self, Page, escape};
use crate::stats::Interval;
use anyhow::{Context, Result, anyhow, bail};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The layout of a sweep's file.
pub const LAYOUT_JSON: &str = "layout.json";

/// Everything a sweep's table and charts need besides the cells' results: the
/// grid in order, and what each cell's fingerprint derives from. Together with the
/// cells it is the sweep's identity: a folder holds one sweep, and only folders of
/// one identity merge ([`Layout::difference`]).
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
    /// What every cell depends on beyond its key, hashed: the scenario, the base
    /// experiment, the agent, the files its policies name, the seed, the
    /// replicates and the metrics.
    pub base_fingerprint: u64,
    /// The hash of the spec's text kept beside it ([`super::SPEC_COPY`]), so that
    /// a copy that is not this layout's is caught when read back (absent in the
    /// folders of earlier versions).
    #[serde(default)]
    pub spec_fingerprint: Option<u64>,
}

impl Layout {
    /// The fingerprint of the cell of `key`: what its result depends on.
    pub fn fingerprint(&self, key: &str) -> u64 {
        super::cells::fnv1a(format!("{}|{key}", self.base_fingerprint).as_bytes())
    }

    /// The sweep in words, for messages: `'name' over path, path`.
    pub fn describe(&self) -> String {
        format!("'{}' over {}", self.name, self.paths.join(", "))
    }

    /// Whether a folder of `self` can take the cells of `other`: the same name and
    /// parameters (a changed base, replicates or metrics make its cells stale, which
    /// are run again and named).
    pub fn same_sweep(&self, other: &Layout) -> bool {
        self.name == other.name && self.paths == other.paths
    }

    /// How `other` differs from `self` in what its cells are (everything but the
    /// spec's text), in words; `None` when their cells are the same.
    pub fn difference(&self, other: &Layout) -> Option<String> {
        let metrics = |l: &Layout| l.metrics.iter().map(|m| m.name()).collect::<Vec<_>>();
        if !self.same_sweep(other) {
            Some(format!("it is the sweep {}", other.describe()))
        } else if self.metrics != other.metrics {
            Some(format!("its metrics are {}", metrics(other).join(", ")))
        } else if self.replicates != other.replicates {
            Some(format!("it runs {} replicates a cell", other.replicates))
        } else if self.keys != other.keys {
            Some("its cells differ (the parameters' values or the design)".into())
        } else if self.base_fingerprint != other.base_fingerprint {
            Some(
                "its base differs (the scenario, base experiment, agent, policy files or \
                 seed)"
                    .into(),
            )
        } else {
            None
        }
    }

    /// Writes the layout into `folder`.
    pub fn save(&self, folder: &Path) -> Result<()> {
        write_json(&folder.join(LAYOUT_JSON), self)?;
        Ok(())
    }

    /// Reads the layout of the sweep folder `folder`, checked: bounded in size and
    /// counts, a name that can name a folder, no metric or cell twice, and every
    /// key of the layout's parameters.
    pub fn load(folder: &Path) -> Result<Self> {
        let path = folder.join(LAYOUT_JSON);
        if !folder.is_dir() {
            bail!(
                "{} is not a sweep's folder: {}",
                folder.display(),
                if folder.exists() {
                    "it is a file"
                } else {
                    "there is no such folder"
                }
            );
        }
        let text = read_text(&path, MAX_LAYOUT_BYTES, "a sweep's layout").map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                anyhow!(
                    "{} is not a sweep's folder: it has no {LAYOUT_JSON} (give folders that \
                     `onboard sweep` wrote, such as its shards' --out)",
                    folder.display()
                )
            } else {
                anyhow!("{}: cannot read it: {e}", path.display())
            }
        })?;
        let bad = |reason: String| SweepError::BadFile {
            path: path.clone(),
            reason: format!(
                "not as `onboard sweep` writes it ({reason}); give another folder, or run \
                 the sweep again into a new one"
            ),
        };
        let layout: Layout = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
        layout.check().map_err(bad)?;
        Ok(layout)
    }

    /// What [`Layout::load`] checks beyond the JSON's shape.
    fn check(&self) -> Result<(), String> {
        crate::output::check_name(&self.name).map_err(|e| e.to_string())?;
        let bounds = [
            ("paths", self.paths.len(), MAX_PARAMETERS),
            ("metrics", self.metrics.len(), MAX_METRICS),
            ("replicates", self.replicates, MAX_REPLICATES),
            ("keys", self.keys.len(), MAX_CELLS),
        ];
        if let Some((what, n, most)) = bounds.iter().find(|(_, n, most)| !(1..=*most).contains(n)) {
            return Err(format!("{n} {what}, not 1 to {most}"));
        }
        let names: Vec<String> = self.metrics.iter().map(|m| m.name()).collect();
        if let Some(twice) = first_repeat(&names) {
            return Err(format!("the metric {twice} twice"));
        }
        if let Some(twice) = first_repeat(&self.keys) {
            return Err(format!("the cell {twice} twice"));
        }
        if let Some(bad) = self.keys.iter().find(|key| !self.is_key(key)) {
            return Err(format!(
                "the key '{bad}' is not one of the parameters' values"
            ));
        }
        Ok(())
    }

    /// Whether `key` is `path=value` for every path, in order.
    fn is_key(&self, key: &str) -> bool {
        let parts: Vec<&str> = key.split(';').collect();
        parts.len() == self.paths.len()
            && parts.iter().zip(&self.paths).all(|(part, path)| {
                part.strip_prefix(path.as_str())
                    .and_then(|rest| rest.strip_prefix('='))
                    .is_some_and(|value| value.parse::<f64>().is_ok_and(f64::is_finite))
            })
    }
}

/// The first item of `items` that appears twice.
fn first_repeat(items: &[String]) -> Option<&String> {
    let mut seen = std::collections::HashSet::new();
    items.iter().find(|item| !seen.insert(item.as_str()))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn layout() -> Layout {
        Layout {
            name: "s".into(),
            paths: vec!["scenario.margin".into(), "experiment.users".into()],
            metrics: vec![Metric::Profit],
            replicates: 1,
            keys: vec!["scenario.margin=0.3;experiment.users=100.0".into()],
            base_fingerprint: 1,
            spec_fingerprint: None,
        }
    }

    #[test]
    fn a_layout_read_back_holds_only_keys_of_its_parameters_within_bounds() {
        assert_eq!(layout().check(), Ok(()));
        for (key, says) in [
            (
                "scenario.margin=0.3",
                "is not one of the parameters' values",
            ),
            (
                "experiment.users=100.0;scenario.margin=0.3",
                "is not one of",
            ),
            ("scenario.margin=x;experiment.users=100.0", "is not one of"),
            (
                "scenario.margin=inf;experiment.users=100.0",
                "is not one of",
            ),
        ] {
            let bad = Layout {
                keys: vec![key.into()],
                ..layout()
            };
            let error = bad.check().expect_err(key);
            assert!(error.contains(says), "{key}: {error}");
        }
        let none = Layout {
            replicates: 0,
            ..layout()
        };
        assert_eq!(
            none.check(),
            Err(format!("0 replicates, not 1 to {MAX_REPLICATES}"))
        );
        let other = Layout {
            base_fingerprint: 2,
            ..layout()
        };
        assert!(
            layout()
                .difference(&other)
                .is_some_and(|d| d.contains("its base differs")),
        );
        let copy = Layout {
            spec_fingerprint: Some(3),
            ..layout()
        };
        assert_eq!(
            layout().difference(&copy),
            None,
            "the spec's text is no cell's"
        );
    }
}
