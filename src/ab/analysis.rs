//! What an experiment's arms say: per-arm metrics with intervals; lifts against the
//! control, paired per user when the arms saw the same users, with raw and
//! Holm-adjusted p-values and the sample size a real test would need; survival
//! curves, compared by restricted mean survival time (and by the log-rank test for
//! split experiments); and the power curve.

use super::experiment::Assignment;
use super::run::ArmRun;
use crate::simulate::{Simulation, UserRecord};
use crate::stats::{
    Comparison, Interval, Life, LogRank, PairedStats, SampleStats, compare_means, compare_paired,
    compare_paired_proportions, compare_proportions, day_counts, difference_skewness, holm,
    kaplan_meier, log_rank, normal_approximation_floor, sample_size_means, sample_size_proportions,
};
use anyhow::{Context, Result};
use onboard_envs::{Estimate, Quantity};
use serde::Serialize;

/// Days whose day-N retention (active on day N) every summary reports, where the
/// horizon allows.
pub const RETENTION_DAYS: [u32; 4] = [1, 7, 14, 30];

/// One arm's headline metrics, each with its 95 % interval.
#[derive(Debug, Clone, Serialize)]
pub struct ArmSummary {
    /// The arm's name.
    pub name: String,
    /// Users simulated.
    pub users: u64,
    /// `(day, share active that day)` for the days of [`RETENTION_DAYS`] within the horizon.
    pub retention: Vec<(u32, Interval)>,
    /// Share of users who bought by the horizon.
    pub conversion: Interval,
    /// Revenue per user over the horizon, currency units.
    pub revenue: Interval,
    /// Profit per user over the horizon, currency units.
    pub profit: Interval,
    /// Action cost per user over the horizon, currency units.
    pub cost: Interval,
    /// Messages delivered per user over the horizon.
    pub messages: Interval,
}

/// One metric of one arm against the control.
#[derive(Debug, Clone, Serialize)]
pub struct Lift {
    /// The arm compared.
    pub arm: String,
    /// The metric: `profit`, `revenue`, `conversion`, `retention_d7` or
    /// [`SURVIVAL_METRIC`].
    pub metric: String,
    /// The control's value.
    pub control: f64,
    /// The arm's value.
    pub value: f64,
    /// Arm − control, with its interval.
    pub difference: Interval,
    /// Arm / control − 1, with its interval, when the control's value is not 0.
    pub relative: Option<Interval>,
    /// Two-sided p-value of "no difference".
    pub p_value: f64,
    /// `p_value` adjusted by Holm over every lift of the experiment
    /// ([`Analysis::family`]).
    pub p_adjusted: f64,
    /// The test: `paired`, `paired (McNemar)`, `independent (Welch)` or
    /// `independent (pooled z)`.
    pub method: String,
    /// Users per arm a real split test needs to detect this difference (α = 0.05,
    /// power 0.8), at least the normal-approximation floor of the values; `None`
    /// when the difference is 0.
    pub sample_size: Option<u64>,
}

/// Kaplan–Meier latent survival (not yet churned: simulator truth, which no platform
/// can measure) of one arm, by age.
#[derive(Debug, Clone, Serialize)]
pub struct SurvivalCurve {
    /// The arm's name.
    pub arm: String,
    /// Survival at the end of each age, with Greenwood log-log intervals.
    pub survival: Vec<Interval>,
}

/// The log-rank test of all arms' times to (first, latent) churn.
#[derive(Debug, Clone, Serialize)]
pub struct LogRankSummary {
    /// χ² statistic.
    pub statistic: f64,
    /// Degrees of freedom.
    pub df: usize,
    /// p-value.
    pub p_value: f64,
}

/// What the power curve replicates: an arm fixed before any replicate runs, and
/// its profit effect measured on users the replicates never use.
#[derive(Debug, Clone, Serialize)]
pub struct PowerPlan {
    /// The arm tested against the control.
    pub arm: String,
    /// How the arm was chosen, in words.
    pub chosen: String,
    /// Where its effect was measured, in words.
    pub measured_on: String,
    /// Profit per user, arm − control, with its interval.
    pub effect: Interval,
    /// The pooled standard deviation of one user's profit.
    pub sd: f64,
    /// The skewness of one arm user's profit minus one control user's
    /// (independent draws), which the floor is computed from.
    pub skewness: f64,
    /// The fewest users per arm at which the normal approximation holds
    /// ([`normal_approximation_floor`]); the power curve starts there.
    pub floor: u64,
    /// Users per arm a split test needs: `users_for_power`, but at least `floor`;
    /// `None` when the effect is 0.
    pub users_needed: Option<u64>,
    /// Users per arm for 80 % power at `effect` by the normal approximation, which
    /// is more than 80 % where the floor is larger.
    pub users_for_power: Option<u64>,
}

/// Power of a split test at one sample size, from replicate simulations.
#[derive(Debug, Clone, Serialize)]
pub struct PowerPoint {
    /// Users per arm.
    pub users: usize,
    /// Share of replicates with p < 0.05, with its Wilson interval.
    pub power: Interval,
    /// Replicates run.
    pub replicates: usize,
}

/// Everything the report shows.
#[derive(Debug, Clone, Serialize)]
pub struct Analysis {
    /// Paired or split.
    pub assignment: Assignment,
    /// The control arm's name.
    pub control: String,
    /// One summary per arm, in the experiment's order.
    pub arms: Vec<ArmSummary>,
    /// Every non-control arm against the control, metric by metric.
    pub lifts: Vec<Lift>,
    /// Which family of comparisons the adjusted p-values control, in words.
    pub family: String,
    /// Survival curves per arm.
    pub survival: Vec<SurvivalCurve>,
    /// How survival was compared and why, in words.
    pub survival_test: String,
    /// All arms' times to (first, latent) churn compared by the log-rank test: only
    /// for split experiments, since it assumes independent groups.
    pub log_rank: Option<LogRankSummary>,
    /// The arm and effect the power curve was simulated for, if any.
    pub power_plan: Option<PowerPlan>,
    /// The power curve of a split test of the plan's arm against the control.
    pub power: Vec<PowerPoint>,
    /// The paragraph a reader acts on ([`super::verdict`]); set once the power
    /// curve is known.
    pub verdict: String,
}

fn interval(e: Estimate) -> Interval {
    Interval {
        estimate: e.mean,
        low: e.low,
        high: e.high,
    }
}

/// The headline metrics of one arm.
pub fn summarise(run: &ArmRun) -> ArmSummary {
    summarise_simulation(&run.name, &run.simulation)
}

/// The headline metrics of the policy `name` simulated in `simulation`.
pub fn summarise_simulation(name: &str, simulation: &Simulation) -> ArmSummary {
    let metrics = &simulation.metrics;
    let by_age = metrics.by_age();
    let last = by_age.last();
    let to_date = |q| last.map_or(Estimate::proportion(0, 0), |m| m.to_date(q));
    ArmSummary {
        name: name.to_string(),
        users: metrics.users(),
        retention: RETENTION_DAYS
            .iter()
            .filter_map(|&d| by_age.get(d as usize).map(|m| (d, interval(m.active))))
            .collect(),
        conversion: interval(last.map_or(Estimate::proportion(0, 0), |m| m.conversion)),
        revenue: interval(to_date(Quantity::Revenue)),
        profit: interval(to_date(Quantity::Profit)),
        cost: interval(to_date(Quantity::Cost)),
        messages: interval(to_date(Quantity::Messages)),
    }
}

/// How a metric is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A number per user: a paired mean or Welch's independent means.
    Mean,
    /// 0 or 1 per user: McNemar's paired proportions or the two-proportion z-test.
    Binary,
}

/// One metric every lift table reports: a value per user record.
struct Metric {
    name: String,
    kind: Kind,
    value: fn(&UserRecord) -> f64,
}

/// The metrics compared against the control, in table order: profit, revenue,
/// conversion, day-7 retention (where the horizon reaches it) and the restricted
/// mean survival time.
fn metrics(horizon: usize) -> Vec<Metric> {
    let metric = |name: &str, kind, value| Metric {
        name: name.to_string(),
        kind,
        value,
    };
    let mut list = vec![
        metric("profit", Kind::Mean, |r| r.profit),
        metric("revenue", Kind::Mean, |r| r.revenue),
        metric("conversion", Kind::Binary, |r| {
            f64::from(u8::from(r.purchases > 0))
        }),
    ];
    if horizon > RETENTION_LIFT_DAY {
        list.push(metric(
            &format!("retention_d{RETENTION_LIFT_DAY}"),
            Kind::Binary,
            |r| f64::from(u8::from(r.active.on(RETENTION_LIFT_DAY))),
        ));
    }
    list.push(metric(SURVIVAL_METRIC, Kind::Mean, |r| f64::from(r.days)));
    list
}

/// The day whose retention is a lift row.
const RETENTION_LIFT_DAY: usize = 7;

/// The lift row of survival: the restricted mean survival time, mean days lived
/// before the first (latent) churn, capped at the horizon.
pub const SURVIVAL_METRIC: &str = "survival_days";

/// Whether two arms' records are the same users in the same order.
fn same_users(control: &[UserRecord], arm: &[UserRecord]) -> bool {
    control.len() == arm.len() && control.iter().zip(arm).all(|(c, t)| c.id == t.id)
}

/// `metric` of `arm` against `control`: paired per user when `paired`, else as
/// independent samples; returns the comparison and the method's name.
fn compare_metric(
    control: &[f64],
    arm: &[f64],
    kind: Kind,
    paired: bool,
) -> Result<(Comparison, &'static str)> {
    let count = |values: &[f64]| values.iter().filter(|&&x| x != 0.0).count() as u64;
    Ok(match (kind, paired) {
        (Kind::Mean, true) => (
            compare_paired(&PairedStats::from_pairs(
                control.iter().copied().zip(arm.iter().copied()),
            ))?,
            "paired",
        ),
        (Kind::Mean, false) => (
            compare_means(
                &SampleStats::from_values(control.iter().copied()),
                &SampleStats::from_values(arm.iter().copied()),
            )?,
            "independent (Welch)",
        ),
        (Kind::Binary, true) => {
            let mut table = [0_u64; 4];
            for (&c, &t) in control.iter().zip(arm) {
                table[usize::from(c != 0.0) * 2 + usize::from(t != 0.0)] += 1;
            }
            let [neither, only_b, only_a, both] = table;
            (
                compare_paired_proportions(both, only_a, only_b, neither)?,
                "paired (McNemar)",
            )
        }
        (Kind::Binary, false) => (
            compare_proportions(
                count(control),
                control.len() as u64,
                count(arm),
                arm.len() as u64,
            )?,
            "independent (pooled z)",
        ),
    })
}

/// What sizing a split test on values like `control` and `arm` takes.
struct SplitSize {
    /// The pooled standard deviation of one user's value.
    sd: f64,
    /// The skewness of one arm value minus one control value, independent draws.
    skewness: f64,
    /// The normal-approximation floor at that skewness.
    floor: u64,
    /// Users per arm for 80 % power at α = 0.05, before the floor; `None` when the
    /// difference is 0.
    for_power: Option<u64>,
}

impl SplitSize {
    /// The users per arm to recommend: the 80 % size, at least the floor.
    fn needed(&self) -> Option<u64> {
        self.for_power.map(|n| n.max(self.floor))
    }
}

/// Sizes a real split test to detect `comparison`'s difference on values like
/// `control` and `arm`.
fn split_size(
    control: &[f64],
    arm: &[f64],
    comparison: &Comparison,
    kind: Kind,
) -> Result<SplitSize> {
    let skewness = difference_skewness(control, arm)?;
    let floor = normal_approximation_floor(skewness)?;
    let (_, var_a) = SampleStats::from_values(control.iter().copied()).mean_variance("control")?;
    let (_, var_b) = SampleStats::from_values(arm.iter().copied()).mean_variance("arm")?;
    let sd = ((var_a + var_b) / 2.0).sqrt();
    let for_power = match kind {
        Kind::Binary => sample_size_proportions(comparison.a, comparison.b)?,
        Kind::Mean if sd > 0.0 => sample_size_means(comparison.difference.estimate, sd)?,
        Kind::Mean => None,
    };
    Ok(SplitSize {
        sd,
        skewness,
        floor,
        for_power,
    })
}

/// The power plan for a split test of `arm` (records `arm_records`) against the
/// control (`control_records`) on profit per user; `chosen` and `measured_on` say
/// how the arm was picked and where these records come from.
pub fn power_plan(
    arm: &str,
    chosen: &str,
    measured_on: &str,
    control_records: &[UserRecord],
    arm_records: &[UserRecord],
    paired: bool,
) -> Result<PowerPlan> {
    let paired = paired && same_users(control_records, arm_records);
    let control: Vec<f64> = control_records.iter().map(|r| r.profit).collect();
    let treated: Vec<f64> = arm_records.iter().map(|r| r.profit).collect();
    let context = || format!("power plan for {arm} against the control: profit");
    let (comparison, _) =
        compare_metric(&control, &treated, Kind::Mean, paired).with_context(context)?;
    let size = split_size(&control, &treated, &comparison, Kind::Mean).with_context(context)?;
    Ok(PowerPlan {
        arm: arm.to_string(),
        chosen: chosen.to_string(),
        measured_on: measured_on.to_string(),
        effect: comparison.difference,
        sd: size.sd,
        skewness: size.skewness,
        floor: size.floor,
        users_needed: size.needed(),
        users_for_power: size.for_power,
    })
}

/// The lifts of `arm` against `control` on every metric of [`metrics`]: paired
/// per user when `paired` and the arms saw the same users, else as independent
/// samples. Adjusted p-values are left at the raw ones; [`analyse`] adjusts them
/// over the whole experiment.
pub fn lifts(control: &ArmRun, arm: &ArmRun, paired: bool, horizon: usize) -> Result<Vec<Lift>> {
    let (c, t) = (&control.simulation.users, &arm.simulation.users);
    let paired = paired && same_users(c, t);
    metrics(horizon)
        .into_iter()
        .map(|metric| {
            let control_values: Vec<f64> = c.iter().map(metric.value).collect();
            let arm_values: Vec<f64> = t.iter().map(metric.value).collect();
            let context = || format!("{} against {}: {}", arm.name, control.name, metric.name);
            let (comparison, method) =
                compare_metric(&control_values, &arm_values, metric.kind, paired)
                    .with_context(context)?;
            let size = split_size(&control_values, &arm_values, &comparison, metric.kind)
                .with_context(context)?;
            Ok(Lift {
                arm: arm.name.clone(),
                metric: metric.name,
                control: comparison.a,
                value: comparison.b,
                difference: comparison.difference,
                relative: comparison.lift,
                p_value: comparison.p_value,
                p_adjusted: comparison.p_value,
                method: method.to_string(),
                sample_size: size.needed(),
            })
        })
        .collect()
}

fn lives(records: &[UserRecord]) -> Vec<Life> {
    records
        .iter()
        .map(|r| Life {
            last_day: r.days.saturating_sub(1) as usize,
            churned: r.churned,
        })
        .collect()
}

/// The Kaplan–Meier survival of `records` by age, with Greenwood log-log intervals.
pub fn kaplan_meier_of(records: &[UserRecord], horizon: usize) -> Result<Vec<Interval>> {
    Ok(kaplan_meier(&day_counts(&lives(records), horizon))?)
}

/// Kaplan–Meier curves of every arm, and the log-rank test across them.
pub fn survival(runs: &[ArmRun], horizon: usize) -> Result<(Vec<SurvivalCurve>, LogRankSummary)> {
    let counts: Vec<_> = runs
        .iter()
        .map(|run| day_counts(&lives(&run.simulation.users), horizon))
        .collect();
    let curves = runs
        .iter()
        .zip(&counts)
        .map(|(run, days)| {
            Ok(SurvivalCurve {
                arm: run.name.clone(),
                survival: kaplan_meier(days)
                    .with_context(|| format!("{}: survival curve", run.name))?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let LogRank {
        statistic,
        df,
        p_value,
        ..
    } = log_rank(&counts).context("log-rank test of survival across the arms")?;
    Ok((
        curves,
        LogRankSummary {
            statistic,
            df,
            p_value,
        },
    ))
}

/// A p-value for a sentence: `= 0.042`, or `< 0.001` below what three digits show.
pub fn p_text(p: f64) -> String {
    if p < 0.001 {
        "< 0.001".to_string()
    } else {
        format!("= {p:.3}")
    }
}

/// How survival was compared, and why that test.
fn survival_test(paired: bool, log_rank: Option<&LogRankSummary>) -> String {
    match log_rank {
        Some(test) if !paired => format!(
            "Log-rank test across all arms (independent users per arm, as it assumes): \
             χ² = {:.2} on {} degrees of freedom, p {}; the {SURVIVAL_METRIC} rows \
             compare restricted mean survival times as independent means.",
            test.statistic,
            test.df,
            p_text(test.p_value)
        ),
        _ => format!(
            "The arms saw the same users, so the log-rank test, which assumes independent \
             groups, is not valid here and is not reported. Survival is compared by the \
             {SURVIVAL_METRIC} rows instead: the difference in restricted mean survival \
             time (days lived before the first churn, capped at the horizon; every user \
             is followed to the horizon, so it is the mean of each user's days) with a \
             paired standard error."
        ),
    }
}

/// Sets every lift's Holm-adjusted p-value over the family of all of them, and
/// describes the family.
fn adjust(lifts: &mut [Lift], arms: usize) -> Result<String> {
    let raw: Vec<f64> = lifts.iter().map(|l| l.p_value).collect();
    for (lift, p) in lifts.iter_mut().zip(holm(&raw)?) {
        lift.p_adjusted = p;
    }
    let metrics = lifts.len() / arms.max(1);
    Ok(format!(
        "Holm over all {} comparisons of this experiment ({arms} arms against the control × \
         {metrics} metrics): the family-wise error rate is at most 5 % where the adjusted \
         p-value is below 0.05.",
        lifts.len()
    ))
}

/// Summaries, lifts (Holm-adjusted over the experiment) and survival of all arms;
/// the power curve is added by the caller.
pub fn analyse(
    runs: &[ArmRun],
    control: usize,
    assignment: Assignment,
    horizon: usize,
) -> Result<Analysis> {
    let paired = assignment == Assignment::Paired;
    let mut all_lifts = Vec::new();
    for (k, run) in runs.iter().enumerate() {
        if k != control {
            all_lifts.extend(lifts(&runs[control], run, paired, horizon)?);
        }
    }
    let family = adjust(&mut all_lifts, runs.len() - 1)?;
    let (curves, log_rank) = survival(runs, horizon)?;
    let log_rank = (!paired).then_some(log_rank);
    Ok(Analysis {
        assignment,
        control: runs[control].name.clone(),
        arms: runs.iter().map(summarise).collect(),
        lifts: all_lifts,
        family,
        survival: curves,
        survival_test: survival_test(paired, log_rank.as_ref()),
        log_rank,
        power_plan: None,
        power: Vec::new(),
        verdict: String::new(),
    })
}

/// Power with its Wilson interval from `p_values` of replicate tests.
pub fn power_point(users: usize, p_values: &[f64]) -> PowerPoint {
    let rejected = p_values.iter().filter(|&&p| p < 0.05).count() as u64;
    PowerPoint {
        users,
        power: interval(Estimate::proportion(rejected, p_values.len() as u64)),
        replicates: p_values.len(),
    }
}
