//! What `onboard ope` shows and writes: the terminal table, `ope.csv`, a forest
//! plot per family of estimators and `report.html`.

use super::evaluate::{Evaluation, Family};
use crate::output::{cell, write_csv};
use crate::plots::{ForestRow, forest};
use crate::report::{Page, escape};
use anyhow::Result;
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// `[low, high]`, or `–` where there is no interval.
fn bracket(interval: Option<(f64, f64)>) -> String {
    interval.map_or("–".to_string(), |(lo, hi)| {
        format!("[{}, {}]", figure(lo), figure(hi))
    })
}

/// `x` as tables show it: four decimals, or where that would take more than a
/// dozen characters (|x| ≥ 10⁶), four significant digits in exponent form; `–` for
/// a value that is not a finite number.
pub fn figure(x: f64) -> String {
    if !x.is_finite() {
        "–".into()
    } else if x.abs() >= 1e6 {
        format!("{x:.3e}")
    } else {
        format!("{x:.4}")
    }
}

/// The quantity a family estimates, for headings and axes.
pub fn quantity(family: Family) -> &'static str {
    match family {
        Family::PerDecision => "reward per decision",
        Family::PerTrajectory => "return per user (the whole window)",
    }
}

/// Why an interval may be missing (`–`).
pub const NO_INTERVAL: &str = "no interval: the bootstrap was off (--bootstrap 0), the log has \
     fewer than 2 units, an end lies beyond the range of floating-point numbers, or, for the \
     empirical Bernstein bound, the estimator is not an importance-weighted mean";

/// What the intervals of the model-based estimators do not hold.
pub const MODEL_NOTE: &str = "the intervals of dm and fqe hold the spread over users only, not the \
     error of their fitted model (the bootstrap does not refit it): `onboard ope-bench` shows \
     how far a model-based estimate can be from the truth";

/// The estimates as a text table, family by family, then the diagnostics and the
/// warnings.
pub fn render(evaluation: &Evaluation) -> String {
    let level = 100.0 * evaluation.level;
    let mut out = String::new();
    for family in [Family::PerDecision, Family::PerTrajectory] {
        let rows: Vec<_> = evaluation
            .rows
            .iter()
            .filter(|r| r.family == family)
            .collect();
        if rows.is_empty() {
            continue;
        }
        let _ = writeln!(out, "{} ({level:.0} % intervals)", quantity(family));
        let _ = writeln!(
            out,
            "  {:<18} {:>10}  {:<24} {:<24} {:<24}",
            "estimator", "estimate", "t interval", "bootstrap", "empirical Bernstein"
        );
        for r in rows {
            let _ = writeln!(
                out,
                "  {:<18} {:>10}  {:<24} {:<24} {:<24}",
                r.name,
                figure(r.value),
                bracket(r.t),
                bracket(r.bootstrap),
                bracket(r.bernstein)
            );
        }
    }
    if evaluation
        .rows
        .iter()
        .any(|r| r.t.is_none() || r.bootstrap.is_none() || r.bernstein.is_none())
    {
        let _ = writeln!(out, "–: {NO_INTERVAL}");
    }
    for line in evaluation.facts() {
        let _ = writeln!(out, "{line}");
    }
    let _ = writeln!(out, "note: {MODEL_NOTE}");
    for skipped in &evaluation.skipped {
        let _ = writeln!(out, "not computed: {skipped}");
    }
    for warning in &evaluation.warnings {
        let _ = writeln!(out, "warning: {warning}");
    }
    out
}

/// Writes `ope.csv`, the forest plots and `report.html` into `folder`; returns the
/// report's path.
pub fn write(folder: &Path, title: &str, evaluation: &Evaluation) -> Result<PathBuf> {
    let header = [
        "family",
        "estimator",
        "estimate",
        "t_low",
        "t_high",
        "bootstrap_low",
        "bootstrap_high",
        "bernstein_low",
        "bernstein_high",
    ];
    let optional = |x: Option<(f64, f64)>| {
        x.map_or([String::new(), String::new()], |(lo, hi)| {
            [cell(lo), cell(hi)]
        })
    };
    let rows: Vec<Vec<String>> = evaluation
        .rows
        .iter()
        .map(|r| {
            let mut row = vec![r.family.name().to_string(), r.name.clone(), cell(r.value)];
            row.extend(optional(r.t));
            row.extend(optional(r.bootstrap));
            row.extend(optional(r.bernstein));
            row
        })
        .collect();
    write_csv(&folder.join("ope.csv"), |w| {
        w.write_record(header)?;
        rows.iter().try_for_each(|row| w.write_record(row))
    })?;
    let mut page = Page::new(folder, title);
    page.table(&["", ""], &evaluation.facts_table());
    for family in [Family::PerDecision, Family::PerTrajectory] {
        let family_rows: Vec<_> = evaluation
            .rows
            .iter()
            .filter(|r| r.family == family)
            .collect();
        if family_rows.is_empty() {
            continue;
        }
        let stem = format!("forest-{}", family.name());
        let bars: Vec<ForestRow> = family_rows
            .iter()
            .map(|r| ForestRow {
                label: r.name.clone(),
                estimate: r.value,
                low: r.bootstrap.or(r.t).map_or(f64::NAN, |i| i.0),
                high: r.bootstrap.or(r.t).map_or(f64::NAN, |i| i.1),
            })
            .collect();
        let interval = if family_rows.iter().all(|r| r.bootstrap.is_some()) {
            "bootstrap"
        } else {
            "t"
        };
        forest(
            &folder.join(&stem),
            &format!(
                "{}: estimates with {:.0} % {interval} intervals",
                quantity(family),
                100.0 * evaluation.level
            ),
            quantity(family),
            &bars,
            None,
        )?;
        page.heading(&format!("Estimates of the {}", quantity(family)));
        let table: Vec<Vec<String>> = family_rows
            .iter()
            .map(|r| {
                vec![
                    escape(&r.name),
                    figure(r.value),
                    bracket(r.t),
                    bracket(r.bootstrap),
                    bracket(r.bernstein),
                ]
            })
            .collect();
        page.table(
            &[
                "estimator",
                "estimate",
                "t interval",
                "bootstrap",
                "empirical Bernstein",
            ],
            &table,
        );
        page.figures(&[(
            stem,
            format!("Each estimator's {} with its interval.", quantity(family)),
        )]);
    }
    page.paragraph(&format!("Note: {MODEL_NOTE}."), true);
    page.paragraph(&format!("–: {NO_INTERVAL}."), true);
    if !evaluation.warnings.is_empty() || !evaluation.skipped.is_empty() {
        page.heading("Warnings");
        for w in &evaluation.warnings {
            page.paragraph(w, false);
        }
        for s in &evaluation.skipped {
            page.paragraph(&format!("not computed: {s}"), true);
        }
    }
    page.write()
}
