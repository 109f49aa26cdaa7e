//! What an experiment's arms say: per-arm metrics with intervals, lifts against the
//! control with p-values and the sample size a real test would need, survival
//! curves with the log-rank test, and the power curve.

use super::experiment::Assignment;
use super::run::ArmRun;
use crate::simulate::{Simulation, UserRecord};
use crate::stats::{
    Comparison, Interval, Life, LogRank, SampleStats, compare_means, compare_paired,
    compare_proportions, day_counts, kaplan_meier, log_rank, sample_size_means,
    sample_size_proportions,
};
use anyhow::Result;
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
    /// The metric: `profit`, `revenue`, `conversion` or `retention_d7`.
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
    /// `paired` (per-user differences) or `independent`.
    pub method: String,
    /// Users per arm a real split test needs to detect this difference (α = 0.05,
    /// power 0.8); `None` when the difference is 0.
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
    /// Survival curves per arm.
    pub survival: Vec<SurvivalCurve>,
    /// All arms' times to (first, latent) churn compared.
    pub log_rank: LogRankSummary,
    /// The arm whose power curve was simulated, if any.
    pub power_arm: Option<String>,
    /// The power curve of a split test of `power_arm` against the control.
    pub power: Vec<PowerPoint>,
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

/// One per-user value compared between two arms.
struct PerUserComparison {
    /// Both arms as independent samples (means, relative lift).
    independent: Comparison,
    /// The pooled standard deviation of one user's value, for sample sizes.
    sd: f64,
    /// Arm − control: paired per user, or as independent samples.
    difference: Interval,
    /// p-value of that difference.
    p_value: f64,
    /// `paired` or `independent`.
    method: &'static str,
}

/// Compares one per-user value of `arm` against `control`: paired per user when
/// both arms saw the same users, else as independent samples.
fn compare_per_user(
    control: &[UserRecord],
    arm: &[UserRecord],
    paired: bool,
    value: impl Fn(&UserRecord) -> f64,
) -> Result<PerUserComparison> {
    let a = SampleStats::from_values(control.iter().map(&value));
    let b = SampleStats::from_values(arm.iter().map(&value));
    let independent = compare_means(&a, &b)?;
    let (_, variance_a) = a.mean_variance("control")?;
    let (_, variance_b) = b.mean_variance("arm")?;
    let sd = ((variance_a + variance_b) / 2.0).sqrt();
    let same_users =
        control.len() == arm.len() && control.iter().zip(arm).all(|(c, t)| c.id == t.id);
    let (difference, p_value, method) = if paired && same_users {
        let differences =
            SampleStats::from_values(control.iter().zip(arm).map(|(c, t)| value(t) - value(c)));
        let paired = compare_paired(&differences)?;
        (paired.difference, paired.p_value, "paired")
    } else {
        (independent.difference, independent.p_value, "independent")
    };
    Ok(PerUserComparison {
        independent,
        sd,
        difference,
        p_value,
        method,
    })
}

/// A lift row of `arm` on `metric` from a per-user comparison.
fn per_user_lift(arm: &str, metric: &str, c: &PerUserComparison, sample_size: Option<u64>) -> Lift {
    Lift {
        arm: arm.to_string(),
        metric: metric.to_string(),
        control: c.independent.a,
        value: c.independent.b,
        difference: c.difference,
        relative: c.independent.lift,
        p_value: c.p_value,
        method: c.method.to_string(),
        sample_size,
    }
}

/// One number per user record.
type PerUser = fn(&UserRecord) -> f64;

/// The lifts of `arm` against `control` on profit, revenue, conversion and day-7
/// retention. Per-user metrics are paired when `paired` (and the arms saw the same
/// users); day-7 retention is compared as independent proportions, since records
/// keep no per-day activity (conservative under pairing).
pub fn lifts(control: &ArmRun, arm: &ArmRun, paired: bool) -> Result<Vec<Lift>> {
    let (c, t) = (&control.simulation.users, &arm.simulation.users);
    let mut lifts = Vec::new();
    let money: [(&str, PerUser); 2] = [("profit", |r| r.profit), ("revenue", |r| r.revenue)];
    for (metric, value) in money {
        let comparison = compare_per_user(c, t, paired, value)?;
        let size = sample_size_means(comparison.difference.estimate, comparison.sd)?;
        lifts.push(per_user_lift(&arm.name, metric, &comparison, size));
    }
    let converted = |r: &UserRecord| f64::from(u8::from(r.purchases > 0));
    let comparison = compare_per_user(c, t, paired, converted)?;
    let (pc, pt) = (comparison.independent.a, comparison.independent.b);
    let size = sample_size_proportions(pc, pt)?;
    lifts.push(per_user_lift(&arm.name, "conversion", &comparison, size));
    if let (Some(a), Some(b)) = (
        control.simulation.metrics.totals().get(7),
        arm.simulation.metrics.totals().get(7),
    ) {
        let (na, nb) = (
            control.simulation.metrics.users(),
            arm.simulation.metrics.users(),
        );
        let comparison = compare_proportions(a.active, na, b.active, nb)?;
        lifts.push(Lift {
            arm: arm.name.clone(),
            metric: "retention_d7".to_string(),
            control: comparison.a,
            value: comparison.b,
            difference: comparison.difference,
            relative: comparison.lift,
            p_value: comparison.p_value,
            method: "independent".to_string(),
            sample_size: sample_size_proportions(comparison.a, comparison.b)?,
        });
    }
    Ok(lifts)
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

/// Kaplan–Meier curves of every arm and the log-rank test across them.
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
                survival: kaplan_meier(days)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let LogRank {
        statistic,
        df,
        p_value,
        ..
    } = log_rank(&counts)?;
    Ok((
        curves,
        LogRankSummary {
            statistic,
            df,
            p_value,
        },
    ))
}

/// Summaries, lifts and survival of all arms; the power curve is added by the caller.
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
            all_lifts.extend(lifts(&runs[control], run, paired)?);
        }
    }
    let (curves, log_rank) = survival(runs, horizon)?;
    Ok(Analysis {
        assignment,
        control: runs[control].name.clone(),
        arms: runs.iter().map(summarise).collect(),
        lifts: all_lifts,
        survival: curves,
        log_rank,
        power_arm: None,
        power: Vec::new(),
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
