//! `report.html`: one self-contained page per run (simulation, training or
//! experiment), with the scenario, the tables with their intervals and every plot,
//! the SVGs embedded inline so the file can be mailed alone.

use crate::ab::ExperimentResult;
use crate::ab::analysis::{ArmSummary, summarise_simulation};
use crate::ab::experiment::Assignment;
use crate::cohort_plots::COHORT_PLOTS;
use crate::output::write_atomically;
use crate::simulate::Simulation;
use crate::stats::Interval;
use anyhow::Result;
use onboard_envs::{ActionSpace, Scenario};
use std::fmt::Write;
use std::path::{Path, PathBuf};

const STYLE: &str = "body{font-family:system-ui,-apple-system,'DejaVu Sans',sans-serif;\
max-width:1000px;margin:2em auto;padding:0 1em;color:#222}\
h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ddd}\
table{border-collapse:collapse;margin:1em 0;font-size:.9em}\
td,th{padding:.3em .7em;border-bottom:1px solid #eee;text-align:right}\
td:first-child,th:first-child{text-align:left}.ci{color:#777;font-size:.85em;white-space:nowrap}\
figure{margin:1.5em 0}figcaption{color:#555;font-size:.9em}svg{max-width:100%;height:auto}\
.note{color:#555;font-size:.9em}pre{background:#f6f6f6;padding:1em;overflow-x:auto}";

/// HTML-escapes `text`.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `estimate [low, high]` with `decimals` decimals, times `scale` (100 for percents).
pub fn cell(i: &Interval, scale: f64, decimals: usize) -> String {
    format!(
        "{:.d$} <span class=\"ci\">[{:.d$}, {:.d$}]</span>",
        i.estimate * scale,
        i.low * scale,
        i.high * scale,
        d = decimals
    )
}

fn p_value(p: f64) -> String {
    if p < 1e-4 {
        format!("{p:.1e}")
    } else {
        format!("{p:.4}")
    }
}

/// A report page under construction, for the run folder `folder`.
pub struct Page {
    folder: PathBuf,
    html: String,
}

impl Page {
    /// A page titled `title` for the run whose files are in `folder`.
    pub fn new(folder: &Path, title: &str) -> Self {
        let title = escape(title);
        Self {
            folder: folder.to_path_buf(),
            html: format!(
                "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
                 <title>{title}</title><style>{STYLE}</style></head><body><h1>{title}</h1>"
            ),
        }
    }

    /// A section heading.
    pub fn heading(&mut self, text: &str) {
        let _ = write!(self.html, "<h2>{}</h2>", escape(text));
    }

    /// A paragraph of plain text, in the muted style when `note`.
    pub fn paragraph(&mut self, text: &str, note: bool) {
        let class = if note { " class=\"note\"" } else { "" };
        let _ = write!(self.html, "<p{class}>{}</p>", escape(text));
    }

    /// A table; `header` is plain text, `rows` are HTML cells (escape text first).
    pub fn table(&mut self, header: &[&str], rows: &[Vec<String>]) {
        self.html.push_str("<table><tr>");
        for h in header {
            let _ = write!(self.html, "<th>{}</th>", escape(h));
        }
        self.html.push_str("</tr>");
        for row in rows {
            self.html.push_str("<tr>");
            for c in row {
                let _ = write!(self.html, "<td>{c}</td>");
            }
            self.html.push_str("</tr>");
        }
        self.html.push_str("</table>");
    }

    /// The scenario's essentials as a two-column table, with `extra` rows.
    pub fn scenario(&mut self, scenario: &Scenario, extra: &[(&str, String)]) {
        let names = |names: Vec<String>| escape(&names.join(", "));
        let mut rows = vec![
            vec!["scenario".into(), escape(&scenario.name)],
            vec!["horizon".into(), format!("{} days", scenario.horizon)],
            vec!["objective".into(), format!("{:?}", scenario.objective)],
            vec![
                "segments".into(),
                names(scenario.segments.iter().map(|s| s.name.clone()).collect()),
            ],
            vec![
                "levers".into(),
                names(
                    scenario
                        .levers
                        .iter()
                        .map(|l| format!("{} ({})", l.name, l.kind.name()))
                        .collect(),
                ),
            ],
            vec![
                "actions".into(),
                format!(
                    "{} joint actions: up to one lever of each kind a day",
                    ActionSpace::new(scenario).len()
                ),
            ],
        ];
        rows.extend(extra.iter().map(|(k, v)| vec![escape(k), escape(v)]));
        self.heading("Scenario");
        self.table(&["", ""], &rows);
    }

    /// `text` as a preformatted block (a file's text, escaped).
    pub fn code(&mut self, text: &str) {
        let _ = write!(self.html, "<pre>{}</pre>", escape(text));
    }

    /// Every plot among `plots` (file stem, caption) whose SVG exists in the folder,
    /// embedded inline.
    pub fn figures(&mut self, plots: &[(String, String)]) {
        for (stem, caption) in plots {
            let path = self.folder.join(format!("{stem}.svg"));
            if let Ok(svg) = std::fs::read_to_string(&path) {
                let body = svg.find("<svg").map_or(svg.as_str(), |i| &svg[i..]);
                let _ = write!(
                    self.html,
                    "<figure>{body}<figcaption>{}</figcaption></figure>",
                    escape(caption)
                );
            }
        }
    }

    /// Closes the page and writes `report.html` into the folder; returns its path.
    pub fn write(mut self) -> Result<PathBuf> {
        self.html.push_str("</body></html>\n");
        let path = self.folder.join("report.html");
        write_atomically(&path, |partial| std::fs::write(partial, &self.html))?;
        Ok(path)
    }
}

/// The cohort plots and the levers chosen by each of `names`, as `(stem, caption)`.
pub fn cohort_figures(names: &[&str]) -> Vec<(String, String)> {
    COHORT_PLOTS
        .iter()
        .map(|(stem, caption)| (stem.to_string(), caption.to_string()))
        .chain(names.iter().map(|n| {
            (
                format!("actions-{n}"),
                format!(
                    "Levers {n} chooses by user age: share of users per lever, for all \
                     users, then by first-session segment signal"
                ),
            )
        }))
        .collect()
}

/// Rows of the arms table: per-arm metrics with intervals; `policies[k]` names arm
/// `k`'s policy.
pub fn arm_rows(arms: &[ArmSummary], policies: &[&str]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut header = vec!["arm".to_string(), "policy".to_string()];
    if let Some(first) = arms.first() {
        header.extend(
            first
                .retention
                .iter()
                .map(|(d, _)| format!("day-{d} active %")),
        );
    }
    header.extend(["conversion %", "revenue", "profit", "cost", "messages"].map(String::from));
    let rows = arms
        .iter()
        .zip(policies)
        .map(|(arm, policy)| {
            let mut row = vec![escape(&arm.name), escape(policy)];
            row.extend(arm.retention.iter().map(|(_, r)| cell(r, 100.0, 1)));
            row.extend([
                cell(&arm.conversion, 100.0, 2),
                cell(&arm.revenue, 1.0, 2),
                cell(&arm.profit, 1.0, 2),
                cell(&arm.cost, 1.0, 3),
                cell(&arm.messages, 1.0, 2),
            ]);
            row
        })
        .collect();
    (header, rows)
}

/// Writes the experiment's `report.html` into its folder, embedding the plots
/// written there.
pub fn write(result: &ExperimentResult, scenario: &Scenario) -> Result<PathBuf> {
    let a = &result.analysis;
    let mut page = Page::new(
        &result.folder,
        &format!("Experiment {}", result.experiment.name),
    );
    let assignment = match a.assignment {
        Assignment::Paired => "paired: the same users in every arm (common random numbers)",
        Assignment::Split => "split: independent users per arm",
    };
    page.scenario(
        scenario,
        &[
            ("assignment", assignment.to_string()),
            ("users per arm", result.experiment.users.to_string()),
            ("seed", result.seed.to_string()),
        ],
    );
    page.heading("Verdict");
    page.paragraph(&a.verdict, false);
    page.heading("Arms");
    page.paragraph(
        "95 % intervals in brackets; money in currency units per user over the horizon.",
        true,
    );
    let policies: Vec<&str> = result.runs.iter().map(|r| r.policy.as_str()).collect();
    let (header, rows) = arm_rows(&a.arms, &policies);
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    page.table(&header, &rows);

    page.heading(&format!("Lift against {}", a.control));
    page.paragraph(
        &format!(
            "Difference = arm − control; lift = arm / control − 1, by the delta method (with \
             the covariance of the two arms when paired). Method: paired per user when the \
             arms saw the same users, else independent samples. Adjusted p: {} Sample size: \
             users per arm a real split test needs to detect the simulated difference \
             (α = 0.05 two-sided, power 0.8), never below the size where the metric's mean \
             is near normal (Cochran's 25·skewness²).",
            a.family
        ),
        true,
    );
    let lifts: Vec<Vec<String>> = a
        .lifts
        .iter()
        .map(|l| {
            vec![
                escape(&l.arm),
                escape(&l.metric),
                format!("{:.4}", l.control),
                format!("{:.4}", l.value),
                cell(&l.difference, 1.0, 4),
                l.relative.map_or("–".to_string(), |r| cell(&r, 100.0, 1)),
                p_value(l.p_value),
                p_value(l.p_adjusted),
                l.method.clone(),
                l.sample_size.map_or("∞".to_string(), |n| n.to_string()),
            ]
        })
        .collect();
    page.table(
        &[
            "arm",
            "metric",
            "control",
            "arm",
            "difference",
            "lift %",
            "p-value",
            "adjusted p (Holm)",
            "method",
            "sample size per arm",
        ],
        &lifts,
    );
    page.heading("Time to churn (latent, simulator truth)");
    page.paragraph(&a.survival_test, false);
    if let Some(plan) = &a.power_plan {
        page.heading("Power");
        let needed = match (plan.users_for_power, plan.users_needed) {
            (Some(power), Some(needed)) if power < needed => format!(
                "{power} users per arm by the normal approximation, raised to the floor, \
                 {needed},"
            ),
            (_, Some(needed)) => format!("{needed} users per arm"),
            _ => "no size (the effect is 0)".to_string(),
        };
        page.paragraph(
            &format!(
                "Replicate split tests of {} against {} on profit per user, on fresh users. \
                 The arm was fixed before any replicate ran ({}); its effect, {} [{}, {}] per \
                 user, was measured on {}. At that effect a split test needs {needed} for 80 % \
                 power. No size goes below {} users per arm, where Cochran's rule \
                 (n > 25·g₁², g₁ = {:.1} the skewness of the profit difference) says the \
                 normal approximation holds.",
                plan.arm,
                a.control,
                plan.chosen,
                format_args!("{:+.3}", plan.effect.estimate),
                format_args!("{:+.3}", plan.effect.low),
                format_args!("{:+.3}", plan.effect.high),
                plan.measured_on,
                plan.floor,
                plan.skewness
            ),
            true,
        );
        let rows: Vec<Vec<String>> = a
            .power
            .iter()
            .map(|p| {
                vec![
                    p.users.to_string(),
                    cell(&p.power, 100.0, 1),
                    p.replicates.to_string(),
                ]
            })
            .collect();
        page.table(&["users per arm", "power %", "replicates"], &rows);
    }
    page.heading("Plots");
    let names: Vec<&str> = result.runs.iter().map(|r| r.name.as_str()).collect();
    let mut plots = vec![
        (
            "learning".to_string(),
            "Learning curves: reward per user on each training cohort, and the frozen \
             snapshots' value on the validation users (which choose the snapshot) and on \
             the test users"
                .to_string(),
        ),
        (
            "regret".to_string(),
            "Cumulative regret against the best constant action".to_string(),
        ),
        ("power".to_string(), "Power of a split test".to_string()),
    ];
    plots.extend(cohort_figures(&names));
    page.figures(&plots);
    page.paragraph(
        "Tables for machines: summary.json, arms.csv, lifts.csv, survival.csv, power.csv and \
         metrics-<arm>.csv (per day).",
        true,
    );
    page.write()
}

/// What a single-policy run's report shows.
pub struct RunReport<'a> {
    /// Page title.
    pub title: String,
    /// Extra rows for the scenario table (policy, users, seed, …).
    pub facts: Vec<(&'a str, String)>,
    /// Plain-text lines shown under the title (e.g. a training summary).
    pub lines: Vec<String>,
    /// Plots drawn before the cohort plots, as `(stem, caption)`.
    pub figures: Vec<(String, String)>,
    /// The simulated policy, if any: its name and simulation.
    pub simulation: Option<(&'a str, &'a Simulation)>,
}

/// Writes `report.html` for a run of one policy (`onboard run`, `onboard train`) into
/// `folder`, embedding the plots written there.
pub fn write_run(folder: &Path, scenario: &Scenario, report: &RunReport<'_>) -> Result<PathBuf> {
    let mut page = Page::new(folder, &report.title);
    for line in &report.lines {
        page.paragraph(line, false);
    }
    page.scenario(scenario, &report.facts);
    let mut figures = report.figures.clone();
    if let Some((name, simulation)) = report.simulation {
        page.heading("Metrics");
        page.paragraph(
            "95 % intervals in brackets; money in currency units per user over the horizon.",
            true,
        );
        let summary = summarise_simulation(name, simulation);
        let (header, rows) = arm_rows(&[summary], &[name]);
        let header: Vec<&str> = header.iter().map(String::as_str).collect();
        page.table(&header, &rows);
        figures.extend(cohort_figures(&[name]));
    }
    page.heading("Plots");
    page.figures(&figures);
    page.write()
}
