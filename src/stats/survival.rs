//! Survival on discrete days: Kaplan–Meier and the log-rank test.
//!
//! Data come as one [`DayCounts`] per day of age `t = 0..H`: users at risk at the
//! start of the day, of those the users who churned at its end (events) and those
//! last seen that day without churning (censored, counted at risk that day).

use super::distributions::{Z95, chi_square_sf};
use super::{Interval, StatsError};

/// One day of a group's life table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DayCounts {
    /// Users at risk at the start of the day.
    pub at_risk: u64,
    /// Of those, users who churned at the end of the day.
    pub events: u64,
    /// Of those, users last observed that day, alive.
    pub censored: u64,
}

/// One user's observed life: days `0..=last_day`, ending in churn or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Life {
    /// The last day of age the user was observed on.
    pub last_day: usize,
    /// Whether the user churned at the end of `last_day` (else censored there).
    pub churned: bool,
}

/// The life table of `lives` over days `0..horizon`. A user observed past the
/// horizon is at risk on every day and neither an event nor censored in it.
pub fn day_counts(lives: &[Life], horizon: usize) -> Vec<DayCounts> {
    let mut days = vec![DayCounts::default(); horizon];
    let mut beyond = 0;
    for life in lives {
        match days.get_mut(life.last_day) {
            Some(day) if life.churned => day.events += 1,
            Some(day) => day.censored += 1,
            None => beyond += 1,
        }
    }
    // At risk on day t: users whose last day is t or later.
    let mut at_risk = beyond;
    for day in days.iter_mut().rev() {
        at_risk += day.events + day.censored;
        day.at_risk = at_risk;
    }
    days
}

/// Checks that no day has more events and censorings than users at risk.
fn check_days(days: &[DayCounts], what: &str) -> Result<(), StatsError> {
    for (t, day) in days.iter().enumerate() {
        if day.events.saturating_add(day.censored) > day.at_risk {
            return Err(StatsError::Inconsistent(format!(
                "{what} day {t}: {} events and {} censored out of {} at risk",
                day.events, day.censored, day.at_risk
            )));
        }
    }
    Ok(())
}

/// The Kaplan–Meier survival `S(t) = Πⱼ≤ₜ (1 − dⱼ/nⱼ)`, the share still alive at
/// the end of day `t`, one per day, with a 95 % interval by Greenwood's variance
/// on the log-log scale (Kalbfleisch–Prentice, `conf.type = "log-log"` in R):
/// `S^exp(±1.96·σ/|ln S|)`, `σ² = Σⱼ≤ₜ dⱼ/(nⱼ(nⱼ − dⱼ))`. The interval stays in
/// [0, 1]; it is the point `[1, 1]` before the first event and `[0, 0]` once
/// everyone at risk has churned. Days with no one at risk leave `S` unchanged.
pub fn kaplan_meier(days: &[DayCounts]) -> Result<Vec<Interval>, StatsError> {
    check_days(days, "kaplan_meier")?;
    let (mut survival, mut greenwood) = (1.0_f64, 0.0_f64);
    let curve = days.iter().map(|day| {
        let (n, d) = (day.at_risk as f64, day.events as f64);
        if day.events > 0 && day.events < day.at_risk {
            survival *= 1.0 - d / n;
            greenwood += d / (n * (n - d));
        } else if day.events > 0 {
            survival = 0.0;
        }
        if survival == 0.0 || survival == 1.0 {
            return Interval {
                estimate: survival,
                low: survival,
                high: survival,
            };
        }
        let spread = (Z95 * greenwood.sqrt() / survival.ln().abs()).exp();
        Interval {
            estimate: survival,
            low: survival.powf(spread),
            high: survival.powf(1.0 / spread),
        }
    });
    Ok(curve.collect())
}

/// The log-rank test of equal survival in k groups.
#[derive(Debug, Clone, PartialEq)]
pub struct LogRank {
    /// The chi-square statistic `(O − E)ᵀ V⁻ (O − E)` over the first k − 1 groups.
    pub statistic: f64,
    /// Degrees of freedom: the rank of `V`, k − 1 unless groups carry no information.
    pub df: usize,
    /// `P(χ²_df > statistic)`; 1 when `df = 0`.
    pub p_value: f64,
    /// Events observed in each group.
    pub observed: Vec<u64>,
    /// Events expected in each group under equal hazards.
    pub expected: Vec<f64>,
}

/// The log-rank (Mantel–Cox) test of k ≥ 2 groups given as life tables of equal
/// length (as R's `survdiff`). On each day with `D` events among `N` at risk,
/// group i expects `Eᵢ = D·nᵢ/N` events, and
/// `Vᵢⱼ = D(N − D)/(N − 1) · nᵢ/N · (δᵢⱼ − nⱼ/N)` (hypergeometric). The quadratic
/// form uses a generalised inverse: directions with no variance (a group never at
/// risk on event days) are dropped, and the degrees of freedom are `V`'s rank.
pub fn log_rank<G: AsRef<[DayCounts]>>(groups: &[G]) -> Result<LogRank, StatsError> {
    let k = groups.len();
    if k < 2 {
        return Err(StatsError::TooFew {
            what: "log-rank groups",
            needed: 2,
            got: k as u64,
        });
    }
    let horizon = groups[0].as_ref().len();
    for (i, group) in groups.iter().enumerate() {
        let group = group.as_ref();
        if group.len() != horizon {
            return Err(StatsError::Inconsistent(format!(
                "log-rank group {i} has {} days, group 0 has {horizon}",
                group.len()
            )));
        }
        check_days(group, &format!("log-rank group {i}"))?;
    }
    let m = k - 1;
    let mut observed = vec![0_u64; k];
    let mut expected = vec![0.0; k];
    let mut v = vec![vec![0.0; m]; m];
    for t in 0..horizon {
        let day = |i: usize| groups[i].as_ref()[t];
        let n_total: f64 = (0..k).map(|i| day(i).at_risk as f64).sum();
        let d_total: f64 = (0..k).map(|i| day(i).events as f64).sum();
        if d_total == 0.0 {
            continue;
        }
        for i in 0..k {
            observed[i] = observed[i].saturating_add(day(i).events);
            expected[i] += d_total * day(i).at_risk as f64 / n_total;
        }
        if n_total > 1.0 {
            let factor = d_total * (n_total - d_total) / (n_total - 1.0);
            for (i, row) in v.iter_mut().enumerate() {
                let share_i = day(i).at_risk as f64 / n_total;
                for (j, cell) in row.iter_mut().enumerate() {
                    let share_j = day(j).at_risk as f64 / n_total;
                    *cell += factor * share_i * (if i == j { 1.0 } else { 0.0 } - share_j);
                }
            }
        }
    }
    let mut u: Vec<f64> = (0..m).map(|i| observed[i] as f64 - expected[i]).collect();
    // UᵀV⁻U by symmetric Gaussian elimination (LDLᵀ); V is positive semi-definite,
    // so a pivot at rounding level means a direction without information.
    let scale = (0..m).map(|i| v[i][i]).fold(0.0, f64::max);
    let (mut statistic, mut df) = (0.0, 0);
    for i in 0..m {
        let pivot = v[i][i];
        if pivot <= 1e-9 * scale {
            continue;
        }
        df += 1;
        statistic += u[i] * u[i] / pivot;
        // Eliminate direction i from the rows below it.
        let (upper, lower) = v.split_at_mut(i + 1);
        let pivot_row = &upper[i];
        let u_i = u[i];
        for (row, u_j) in lower.iter_mut().zip(&mut u[i + 1..]) {
            let f = row[i] / pivot;
            *u_j -= f * u_i;
            for (cell, &p) in row[i + 1..].iter_mut().zip(&pivot_row[i + 1..]) {
                *cell -= f * p;
            }
        }
    }
    Ok(LogRank {
        statistic,
        df,
        p_value: chi_square_sf(statistic, df),
        observed,
        expected,
    })
}
