//! What `onboard ope` shows and writes: the terminal table, `ope.csv`, a forest
//! plot per family of estimators and `report.html`.

use super::evaluate::{EstimateRow, Evaluation, Family};
use super::twin::TwinCheck;
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
pub const MODEL_NOTE: &str = "fqe's t interval is a jackknife over the folds of its cross-fitted \
     model (each fold's model is the model refitted without it), so it holds the model's variance \
     but not its bias; the intervals of dm and fqe's bootstrap hold the spread over users only (the \
     bootstrap does not refit the model): `onboard ope-bench` shows how far a model-based \
     estimate can be from the truth";

/// The families `evaluation` has estimates of, in order.
fn families(evaluation: &Evaluation) -> Vec<Family> {
    [Family::PerDecision, Family::PerTrajectory]
        .into_iter()
        .filter(|f| evaluation.rows.iter().any(|r| r.family == *f))
        .collect()
}

/// The change `row`'s estimate predicts over the behaviour's own value on the log.
fn change(evaluation: &Evaluation, row: &EstimateRow) -> Option<f64> {
    evaluation
        .logged(row.family)
        .map(|logged| row.value - logged.value)
}

/// `x` with its sign, as [`figure`] shows numbers; `–` for none.
pub fn signed(x: Option<f64>) -> String {
    match x {
        Some(x) if x.is_finite() && x >= 0.0 => format!("+{}", figure(x)),
        Some(x) => figure(x),
        None => "–".into(),
    }
}

/// The twin's columns of `row`: its RMSE in floors, its coverage, and whether it is
/// recommended (`yes`, or `–` where no twin judged it).
fn twin_cells(check: &TwinCheck, row: &EstimateRow) -> [String; 3] {
    match check.twin().and_then(|t| t.record(row.family, &row.name)) {
        Some(record) => [
            format!("{:.2}", record.floors),
            record.coverage.map_or("–".into(), |(c, which)| {
                format!("{:.0} % {which}", 100.0 * c)
            }),
            if record.recommended { "yes" } else { "no" }.into(),
        ],
        None => ["–".into(), "–".into(), "–".into()],
    }
}

/// The columns of an estimate's row, as [`estimate_cells`] fills them.
const ESTIMATE_COLUMNS: [&str; 9] = [
    "estimator",
    "estimate",
    "change",
    "t interval",
    "bootstrap",
    "empirical Bernstein",
    "floors",
    "twin coverage",
    "pick",
];

/// `row` as the tables show it, in the order of [`ESTIMATE_COLUMNS`].
fn estimate_cells(evaluation: &Evaluation, check: &TwinCheck, row: &EstimateRow) -> [String; 9] {
    let [floors, coverage, pick] = twin_cells(check, row);
    [
        row.name.clone(),
        figure(row.value),
        signed(change(evaluation, row)),
        bracket(row.t),
        bracket(row.bootstrap),
        bracket(row.bernstein),
        floors,
        coverage,
        pick,
    ]
}

/// A row of the text table.
fn text_line(cells: &[String; 9]) -> String {
    let [
        name,
        estimate,
        change,
        t,
        bootstrap,
        bernstein,
        floors,
        coverage,
        pick,
    ] = cells;
    format!(
        "  {name:<18} {estimate:>10} {change:>10}  {t:<24} {bootstrap:<24} {bernstein:<24} \
         {floors:>7} {coverage:>15} {pick:>5}"
    )
}

/// The estimates as a text table, family by family, with the behaviour's own value
/// and the twin's verdict on each, then the diagnostics, the verdicts and the
/// warnings.
pub fn render(evaluation: &Evaluation, check: &TwinCheck) -> String {
    let level = 100.0 * evaluation.level;
    let mut out = String::new();
    for family in families(evaluation) {
        let _ = writeln!(out, "{} ({level:.0} % intervals)", quantity(family));
        if let Some(logged) = evaluation.logged(family) {
            let _ = writeln!(
                out,
                "  the behaviour's own value on the log: {} {}",
                figure(logged.value),
                bracket(logged.t)
            );
        }
        let _ = writeln!(out, "{}", text_line(&ESTIMATE_COLUMNS.map(String::from)));
        for r in evaluation.rows.iter().filter(|r| r.family == family) {
            let _ = writeln!(out, "{}", text_line(&estimate_cells(evaluation, check, r)));
        }
    }
    if evaluation
        .rows
        .iter()
        .any(|r| r.t.is_none() || r.bootstrap.is_none() || r.bernstein.is_none())
    {
        let _ = writeln!(out, "–: {NO_INTERVAL}");
    }
    let _ = writeln!(out, "{COLUMNS_NOTE}");
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
    for verdict in check.verdicts(&families(evaluation)) {
        let _ = writeln!(out, "verdict: {verdict}");
    }
    out
}

/// What the change and the twin's columns mean.
pub const COLUMNS_NOTE: &str = "change: the estimate minus the behaviour's own value on the log; \
     floors: the estimator's RMSE on the log's twin, in units of the error of running the target \
     on as many users; twin coverage: how often its better interval covered the truth there; \
     pick: whether the twin recommends it";

/// Writes `ope.csv`, the forest plots and `report.html` into `folder`; returns the
/// report's path.
pub fn write(
    folder: &Path,
    title: &str,
    evaluation: &Evaluation,
    check: &TwinCheck,
) -> Result<PathBuf> {
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
        "logged_value",
        "change",
        "twin_bias",
        "twin_rmse",
        "twin_floors",
        "twin_coverage",
        "recommended",
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
            let logged = evaluation.logged(r.family);
            row.push(logged.map_or(String::new(), |l| cell(l.value)));
            row.push(change(evaluation, r).map_or(String::new(), cell));
            let record = check.twin().and_then(|t| t.record(r.family, &r.name));
            row.push(record.map_or(String::new(), |t| cell(t.row.bias)));
            row.push(record.map_or(String::new(), |t| cell(t.row.rmse)));
            row.push(record.map_or(String::new(), |t| cell(t.floors)));
            row.push(
                record
                    .and_then(|t| t.coverage)
                    .map_or(String::new(), |c| cell(c.0)),
            );
            row.push(u8::from(check.recommends(r.family, &r.name)).to_string());
            row
        })
        .collect();
    write_csv(&folder.join("ope.csv"), |w| {
        w.write_record(header)?;
        rows.iter().try_for_each(|row| w.write_record(row))
    })?;
    let mut page = Page::new(folder, title);
    page.heading("Verdict");
    for verdict in check.verdicts(&families(evaluation)) {
        page.paragraph(&verdict, false);
    }
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
            evaluation
                .logged(family)
                .map(|l| ("the behaviour's own value", l.value)),
        )?;
        page.heading(&format!("Estimates of the {}", quantity(family)));
        if let Some(logged) = evaluation.logged(family) {
            page.paragraph(
                &format!(
                    "The behaviour's own value on the log: {} {}.",
                    figure(logged.value),
                    bracket(logged.t)
                ),
                false,
            );
        }
        let table: Vec<Vec<String>> = family_rows
            .iter()
            .map(|r| {
                let mut cells = estimate_cells(evaluation, check, r);
                cells[0] = escape(&cells[0]);
                cells.to_vec()
            })
            .collect();
        page.table(&ESTIMATE_COLUMNS, &table);
        page.figures(&[(
            stem,
            format!(
                "Each estimator's {} with its interval; the line is the behaviour's own value \
                 on the log.",
                quantity(family)
            ),
        )]);
    }
    page.paragraph(&format!("{COLUMNS_NOTE}."), true);
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
