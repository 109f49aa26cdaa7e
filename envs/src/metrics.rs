//! Metrics of a cohort by age, with 95 % confidence intervals.
//!
//! Accumulation is streaming: each simulated day adds sums (counts, sums of values
//! and of squares) to one [`AgeTotals`] per age, so memory does not grow with the
//! number of users. Every user is followed to the horizon (a churned user stays,
//! dormant), so all rates are over the whole cohort. Latent survival is simulator
//! truth that no platform can measure; `lapsed` is what a platform sees of churn.

use crate::dynamics::DayOutcome;
use crate::user::User;

/// z-value of a two-sided 95 % interval.
const Z95: f64 = 1.959_963_984_540_054;

/// The additive quantities tracked per user, each per day and summed to date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantity {
    /// Revenue net of discounts, currency units.
    Revenue,
    /// Profit (margin · value − discount − cost), currency units.
    Profit,
    /// Lever costs, currency units.
    Cost,
    /// Messages delivered.
    Messages,
    /// The objective's reward, the terminal value included.
    Reward,
}

impl Quantity {
    /// Every quantity, in storage order.
    pub const ALL: [Quantity; 5] = [
        Quantity::Revenue,
        Quantity::Profit,
        Quantity::Cost,
        Quantity::Messages,
        Quantity::Reward,
    ];

    /// Lower-case name, for tables and files.
    pub fn name(self) -> &'static str {
        match self {
            Quantity::Revenue => "revenue",
            Quantity::Profit => "profit",
            Quantity::Cost => "cost",
            Quantity::Messages => "messages",
            Quantity::Reward => "reward",
        }
    }
}

/// Sum and sum of squares of one quantity over users.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Moments {
    /// Σ x.
    pub sum: f64,
    /// Σ x².
    pub sum_sq: f64,
}

impl Moments {
    fn add(&mut self, x: f64) {
        self.sum += x;
        self.sum_sq += x * x;
    }

    fn merge(&mut self, other: &Moments) {
        self.sum += other.sum;
        self.sum_sq += other.sum_sq;
    }
}

/// Sums over the users who lived through one age (on one day or many).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AgeTotals {
    /// Users stepped at this age.
    pub stepped: u64,
    /// Users not dormant at the end of the day (never churned, or won back): latent,
    /// simulator truth.
    pub survived: u64,
    /// Users who visited.
    pub active: u64,
    /// Users with no visit in the last `lapse_days` days at the end of the day.
    pub lapsed: u64,
    /// Users won back from dormancy by a message that day.
    pub won_back: u64,
    /// Users who had bought at least once by the end of the day.
    pub converted: u64,
    /// Users who had unsubscribed from at least one message lever by the end of the day.
    pub unsubscribed: u64,
    /// The day's revenue, profit, cost, messages and reward (order of [`Quantity::ALL`]).
    pub daily: [Moments; 5],
    /// The same quantities summed since signup, at the end of the day.
    pub to_date: [Moments; 5],
}

fn quantities(outcome: &DayOutcome) -> [f64; 5] {
    [
        outcome.revenue,
        outcome.profit,
        outcome.cost,
        f64::from(u8::from(outcome.message)),
        outcome.reward,
    ]
}

fn totals_of(user: &User) -> [f64; 5] {
    let t = &user.state.totals;
    [t.revenue, t.profit, t.cost, t.messages, t.reward]
}

impl AgeTotals {
    /// Adds one user-day: the user's state after the day and the day's outcome.
    #[inline]
    pub fn record(&mut self, user: &User, outcome: &DayOutcome) {
        self.record_state(user, outcome.lapsed);
        self.active += u64::from(outcome.visited);
        self.won_back += u64::from(outcome.won_back);
        let idle =
            !outcome.purchased && !outcome.message && outcome.cost == 0.0 && outcome.reward == 0.0;
        if !idle {
            for (m, x) in self.daily.iter_mut().zip(quantities(outcome)) {
                m.add(x);
            }
        }
    }

    /// Adds a day on which nothing happened to a dormant user (nothing reached them,
    /// so every daily quantity is 0), without reading its outcome back.
    #[inline]
    pub(crate) fn record_idle(&mut self, user: &User, lapsed: bool) {
        self.record_state(user, lapsed);
    }

    /// Adds what the user's state after the day says.
    #[inline]
    fn record_state(&mut self, user: &User, lapsed: bool) {
        let s = &user.state;
        self.stepped += 1;
        self.survived += u64::from(!s.churned);
        self.lapsed += u64::from(lapsed);
        self.converted += u64::from(s.purchases > 0);
        self.unsubscribed += u64::from(s.unsubscribed != 0);
        for (m, x) in self.to_date.iter_mut().zip(totals_of(user)) {
            m.add(x);
        }
    }

    /// Adds another set of sums.
    pub fn merge(&mut self, other: &AgeTotals) {
        self.stepped += other.stepped;
        self.survived += other.survived;
        self.active += other.active;
        self.lapsed += other.lapsed;
        self.won_back += other.won_back;
        self.converted += other.converted;
        self.unsubscribed += other.unsubscribed;
        for i in 0..Quantity::ALL.len() {
            self.daily[i].merge(&other.daily[i]);
            self.to_date[i].merge(&other.to_date[i]);
        }
    }
}

/// Streaming sums for a cohort of users, by age.
#[derive(Debug, Clone, PartialEq)]
pub struct CohortMetrics {
    users: u64,
    ages: Vec<AgeTotals>,
}

/// An estimate with its 95 % confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Estimate {
    /// Point estimate.
    pub mean: f64,
    /// Lower end of the 95 % interval.
    pub low: f64,
    /// Upper end of the 95 % interval.
    pub high: f64,
}

impl Estimate {
    /// A proportion `successes / n` with its Wilson score interval; its ends are
    /// exactly 0 when nobody succeeded and exactly 1 when everybody did (as the
    /// formula gives them, without the rounding of `centre ± half`).
    pub fn proportion(successes: u64, n: u64) -> Self {
        if n == 0 {
            return Self::undefined();
        }
        let n = n as f64;
        let p = successes as f64 / n;
        let z2 = Z95 * Z95;
        let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
        let half = Z95 / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
        let none = successes == 0;
        let all = successes as f64 == n;
        Self {
            mean: p,
            low: if none { 0.0 } else { (centre - half).max(0.0) },
            high: if all { 1.0 } else { (centre + half).min(1.0) },
        }
    }

    /// A mean over `n` values from their sum and sum of squares, with a normal
    /// interval. One value says nothing of the spread: its interval's ends are NaN
    /// (undefined, shown as "–"), not the value itself.
    pub fn mean(moments: Moments, n: u64) -> Self {
        if n == 0 {
            return Self::undefined();
        }
        let nf = n as f64;
        let mean = moments.sum / nf;
        if n == 1 {
            return Self {
                mean,
                ..Self::undefined()
            };
        }
        let variance = ((moments.sum_sq - nf * mean * mean) / (nf - 1.0)).max(0.0);
        let half = Z95 * (variance / nf).sqrt();
        Self {
            mean,
            low: mean - half,
            high: mean + half,
        }
    }

    fn undefined() -> Self {
        Self {
            mean: f64::NAN,
            low: f64::NAN,
            high: f64::NAN,
        }
    }
}

/// The metrics of a cohort at one age, each with a 95 % interval.
#[derive(Debug, Clone, PartialEq)]
pub struct AgeMetrics {
    /// Days since signup.
    pub age: u32,
    /// Share of users not dormant at the end of the day (never churned, or won
    /// back): latent, simulator truth that no platform can measure. It can rise
    /// with win-backs.
    pub survival: Estimate,
    /// Share of users who visited that day (day-N retention).
    pub active: Estimate,
    /// Share of users with no visit in the last `lapse_days` days (the platform's
    /// view of churn).
    pub lapsed: Estimate,
    /// Share of users won back from dormancy by a message that day.
    pub won_back: Estimate,
    /// Share of users who had bought at least once by the end of the day.
    pub conversion: Estimate,
    /// Share of users unsubscribed from at least one message lever by the end of the day.
    pub unsubscribed: Estimate,
    daily: [Estimate; 5],
    to_date: [Estimate; 5],
}

impl AgeMetrics {
    /// Mean of `quantity` per user on that day.
    pub fn daily(&self, quantity: Quantity) -> Estimate {
        self.daily[quantity as usize]
    }

    /// Mean of `quantity` per user, summed from signup to the end of that day.
    pub fn to_date(&self, quantity: Quantity) -> Estimate {
        self.to_date[quantity as usize]
    }
}

impl CohortMetrics {
    /// Empty sums for users followed over `horizon` ages.
    pub fn new(horizon: u32) -> Self {
        Self {
            users: 0,
            ages: vec![AgeTotals::default(); horizon as usize],
        }
    }

    /// Counts `users` more users in the cohort (they start at age 0).
    pub fn add_users(&mut self, users: u64) {
        self.users += users;
    }

    /// Adds the sums of one day at `age`.
    pub fn add(&mut self, age: u32, totals: &AgeTotals) {
        self.ages[age as usize].merge(totals);
    }

    /// Adds another cohort's sums (same horizon).
    pub fn merge(&mut self, other: &CohortMetrics) {
        self.users += other.users;
        for (mine, theirs) in self.ages.iter_mut().zip(&other.ages) {
            mine.merge(theirs);
        }
    }

    /// Users in the cohort.
    pub fn users(&self) -> u64 {
        self.users
    }

    /// Days followed.
    pub fn horizon(&self) -> u32 {
        self.ages.len() as u32
    }

    /// The raw sums, by age.
    pub fn totals(&self) -> &[AgeTotals] {
        &self.ages
    }

    /// Estimates with intervals at every age.
    pub fn by_age(&self) -> Vec<AgeMetrics> {
        let n = self.users;
        self.ages
            .iter()
            .enumerate()
            .map(|(age, totals)| AgeMetrics {
                age: age as u32,
                survival: Estimate::proportion(totals.survived, n),
                active: Estimate::proportion(totals.active, n),
                lapsed: Estimate::proportion(totals.lapsed, n),
                won_back: Estimate::proportion(totals.won_back, n),
                conversion: Estimate::proportion(totals.converted, n),
                unsubscribed: Estimate::proportion(totals.unsubscribed, n),
                daily: std::array::from_fn(|i| Estimate::mean(totals.daily[i], n)),
                to_date: std::array::from_fn(|i| Estimate::mean(totals.to_date[i], n)),
            })
            .collect()
    }
}
