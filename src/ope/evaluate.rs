//! Evaluates a target policy on a log: the target's probabilities on the logged
//! observations, the reward and value models, every estimator with its intervals,
//! and the diagnostics.

use anyhow::{Context, Result, bail};
use ndarray::{Array2, ArrayView2};
use onboard_agents::Policy;
use onboard_ope::{
    BootstrapConfig, Estimator, InverseProbabilityWeighting, Log, Method, ModelConfig, ModelInput,
    OpeError, Pdis, PerDecisionEstimator, TRAJECTORY_ESTIMATORS, UnitStats, bootstrap_intervals,
    default_per_decision, default_trajectory, evaluate_per_decision, interval, min_replicates,
    model_interval, parse_per_decision, parse_trajectory, per_decision::DEFAULT_SPECS,
    reward_model, unsupported_mass, value_model, warnings, weight_diagnostics,
};

/// Which quantity an estimator estimates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// The mean immediate reward per decision, on the log's states.
    PerDecision,
    /// The mean return of a user's whole window.
    PerTrajectory,
}

impl Family {
    /// The family's name in files.
    pub fn name(self) -> &'static str {
        match self {
            Family::PerDecision => "per-decision",
            Family::PerTrajectory => "per-trajectory",
        }
    }
}

/// The policy evaluated.
pub enum Target<'a> {
    /// An onboard policy, asked for its probabilities on the logged observations.
    Policy(&'a mut dyn Policy),
    /// The log's own `pi_e` column (and `q_hat` columns, where present).
    Logged,
}

/// How the estimates are computed.
#[derive(Debug, Clone, PartialEq)]
pub struct EvaluationPlan {
    /// Estimator specs (`ips`, `clipped-ips:10`, `pdis`, …); empty: every default.
    pub estimators: Vec<String>,
    /// Bootstrap replicates over units; 0 for none.
    pub bootstrap: usize,
    /// The bootstrap's seed.
    pub seed: u64,
    /// Interval level.
    pub level: f64,
    /// The reward and value models.
    pub model: ModelConfig,
}

/// Most bootstrap replicates an evaluation may ask for: beyond it the percentile
/// interval's ends no longer move (their Monte-Carlo error is already under a
/// hundredth of the interval's width), and the replicates' estimates would not fit
/// in memory for long.
pub const MAX_BOOTSTRAP: usize = 100_000;

impl EvaluationPlan {
    /// Checks the plan before any work: the level in (0, 1), no bootstrap or from
    /// [`min_replicates`] to [`MAX_BOOTSTRAP`] replicates, the model's options, and
    /// every estimator spec.
    pub fn check(&self) -> Result<()> {
        if !(self.level > 0.0 && self.level < 1.0) {
            bail!(
                "--level: the interval level must lie in (0, 1), got {}",
                self.level
            );
        }
        let fewest = min_replicates(self.level);
        if self.bootstrap > 0 && self.bootstrap < fewest {
            bail!(
                "--bootstrap: a {} % percentile interval needs at least {fewest} replicates \
                 (one beyond each end), got {}; 0 turns the bootstrap off",
                100.0 * self.level,
                self.bootstrap
            );
        }
        if self.bootstrap > MAX_BOOTSTRAP {
            bail!(
                "--bootstrap: at most {MAX_BOOTSTRAP} replicates, got {}",
                self.bootstrap
            );
        }
        if self.model.folds == 0 {
            bail!("--folds: cross-fitting needs at least 1 fold (1: none), got 0");
        }
        if !(self.model.ridge.is_finite() && self.model.ridge > 0.0) {
            bail!(
                "--ridge: the models' penalty must be a finite number > 0, got {}",
                self.model.ridge
            );
        }
        self.model.check()?;
        estimators(self, false)?;
        Ok(())
    }
}

/// One estimator's estimate and intervals.
#[derive(Debug, Clone, PartialEq)]
pub struct EstimateRow {
    /// What it estimates.
    pub family: Family,
    /// The estimator's name.
    pub name: String,
    /// The estimate.
    pub value: f64,
    /// The Student-t interval of the linearised per-unit contributions; `None`
    /// with fewer than 2 units, where there is no spread to build it from.
    pub t: Option<(f64, f64)>,
    /// The bootstrap percentile interval over units, if asked for.
    pub bootstrap: Option<(f64, f64)>,
    /// The empirical-Bernstein interval, for importance-weighted means.
    pub bernstein: Option<(f64, f64)>,
}

/// The behaviour's own value on the log, in one family: the mean reward per
/// decision, or the mean return of a user's window, with its Student-t interval
/// over units. Every estimate is shown beside it, as the change it predicts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoggedValue {
    /// What it is the value of.
    pub family: Family,
    /// The value.
    pub value: f64,
    /// Its interval; `None` with fewer than 2 units.
    pub t: Option<(f64, f64)>,
}

/// What an evaluation found.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// The estimates.
    pub rows: Vec<EstimateRow>,
    /// The behaviour's own value on the log, per family evaluated.
    pub logged: Vec<LoggedValue>,
    /// The interval level.
    pub level: f64,
    /// Rows of the log.
    pub decisions: usize,
    /// Units (users, or rows of a log of independent decisions).
    pub units: usize,
    /// Effective sample size of the per-decision weights.
    pub ess: f64,
    /// Effective number of users behind the products of a user's weights, for a
    /// log of users.
    pub trajectory_ess: Option<f64>,
    /// Largest and 99th-percentile weight.
    pub weights: (f64, f64),
    /// The target's mass on actions never logged in the same region (age), when the
    /// target's full probabilities are known.
    pub unsupported: Option<f64>,
    /// Share of decisions on which the target would (in expectation) take another
    /// action than the logged one: the mean of `1 − π_e(a_i|x_i)`.
    pub mismatch: f64,
    /// Estimators asked for that the log cannot serve, with why.
    pub skipped: Vec<String>,
    /// Plain-language warnings.
    pub warnings: Vec<String>,
}

impl Evaluation {
    /// The behaviour's own value in `family`, if evaluated.
    pub fn logged(&self, family: Family) -> Option<LoggedValue> {
        self.logged.iter().copied().find(|l| l.family == family)
    }

    /// The log and diagnostics facts, one line each.
    pub fn facts(&self) -> Vec<String> {
        self.facts_table()
            .into_iter()
            .map(|row| format!("{}: {}", row[0], row[1]))
            .collect()
    }

    /// The log and diagnostics facts as (name, value) rows.
    pub fn facts_table(&self) -> Vec<Vec<String>> {
        let mut rows = vec![
            vec!["decisions".into(), self.decisions.to_string()],
            vec!["units".into(), self.units.to_string()],
            vec![
                "effective sample size".into(),
                format!(
                    "{:.1} ({:.1} % of decisions)",
                    self.ess,
                    100.0 * self.ess / self.decisions.max(1) as f64
                ),
            ],
            vec![
                "effective users of the trajectory weights".into(),
                self.trajectory_ess.map_or("–".into(), |e| {
                    format!(
                        "{e:.1} ({:.1} % of users)",
                        100.0 * e / self.units.max(1) as f64
                    )
                }),
            ],
            vec![
                "largest weight, 99th percentile".into(),
                format!(
                    "{}, {}",
                    super::outputs::figure(self.weights.0),
                    super::outputs::figure(self.weights.1)
                ),
            ],
            vec![
                "decisions where the target acts otherwise".into(),
                format!("{:.1} %", 100.0 * self.mismatch),
            ],
        ];
        if let Some(mass) = self.unsupported {
            rows.push(vec![
                "target mass on actions never logged at that age".into(),
                format!("{:.2} %", 100.0 * mass),
            ]);
        }
        rows
    }
}

/// Share of users under which the trajectory weights' effective sample size is
/// warned about (as the crate's per-decision threshold).
const TRAJECTORY_ESS_WARNING: f64 = onboard_ope::diagnostics::ESS_FRACTION_WARNING;

/// Rows per batch when asking a policy for its probabilities.
const BATCH: usize = 8192;

/// The target's probabilities of every action on every logged observation,
/// `rows × n_actions`, row-major.
pub fn target_probabilities(log: &Log, policy: &mut dyn Policy) -> Result<Vec<f64>> {
    let (d, n_actions) = (log.feature_names.len(), policy.n_actions());
    if n_actions != log.action_names.len() {
        bail!(
            "the target chooses among {n_actions} actions, the log's actions are {}",
            log.action_names.len()
        );
    }
    let mut out = vec![0.0; log.rows() * n_actions];
    let mut batch = Array2::zeros((0, n_actions));
    for (start, chunk) in (0..log.rows())
        .step_by(BATCH)
        .zip(out.chunks_mut(BATCH * n_actions))
    {
        let rows = chunk.len() / n_actions;
        let features = &log.features[start * d..(start + rows) * d];
        let observations = ArrayView2::from_shape((rows, d), features)?;
        if batch.nrows() != rows {
            batch = Array2::zeros((rows, n_actions));
        }
        policy.probabilities(observations, batch.view_mut());
        chunk
            .iter_mut()
            .zip(batch.iter())
            .for_each(|(o, p)| *o = *p);
    }
    Ok(out)
}

/// Evaluates `target` on `log` as `plan` says.
pub fn evaluate(log: &Log, target: Target<'_>, plan: &EvaluationPlan) -> Result<Evaluation> {
    let n_actions = log.action_names.len();
    let (mut columns, full) = match target {
        Target::Policy(policy) => {
            let full = target_probabilities(log, policy)?;
            let logged = log
                .actions
                .iter()
                .enumerate()
                .map(|(i, &a)| full[i * n_actions + a as usize])
                .collect();
            (log.columns(logged), Some(full))
        }
        Target::Logged => {
            let pi_e = log.pi_e.clone().with_context(|| {
                format!(
                    "{}: no --target was given and the log has no pi_e column",
                    log.path.display()
                )
            })?;
            (log.columns(pi_e), None)
        }
    };
    if let Some(full) = &full {
        let input = ModelInput {
            features: &log.features,
            dim: log.feature_names.len(),
            actions: &log.actions,
            n_actions,
            target_probs: full,
            reward: &log.reward,
            starts: &log.starts,
        };
        columns.reward_model = Some(reward_model(&input, &plan.model)?);
        if !log.independent() {
            columns.value_model = Some(value_model(&input, &plan.model)?);
        }
    }
    let (per_decision, trajectory) = estimators(plan, log.independent())?;
    let mut skipped = Vec::new();
    let (mut families, mut chosen, mut stats): (Vec<Family>, Vec<&dyn Estimator>, Vec<UnitStats>) =
        Default::default();
    let decision_stats = evaluate_per_decision(&columns, &per_decision)?;
    let per_decision_results = per_decision
        .iter()
        .map(|e| e.as_ref() as &dyn Estimator)
        .zip(decision_stats);
    let trajectory_results = trajectory
        .iter()
        .map(|e| (e.as_ref(), e.unit_stats(&columns)));
    let families_of = std::iter::repeat(Family::PerDecision)
        .zip(per_decision_results)
        .chain(std::iter::repeat(Family::PerTrajectory).zip(trajectory_results));
    for (family, (estimator, result)) in families_of {
        match result.and_then(|s| s.estimate(estimator).map(|_| s)) {
            Ok(s) => {
                families.push(family);
                chosen.push(estimator);
                stats.push(s);
            }
            Err(e) => skipped.push(e.to_string()),
        }
    }
    let bootstrap = if plan.bootstrap > 0 {
        let config = BootstrapConfig {
            replicates: plan.bootstrap,
            seed: plan.seed,
            level: plan.level,
        };
        Some(bootstrap_intervals(&chosen, &stats, &config)?)
    } else {
        None
    };
    let mut rows = Vec::with_capacity(chosen.len());
    for (k, ((family, estimator), stats)) in families.iter().zip(&chosen).zip(&stats).enumerate() {
        let estimate = stats.estimate(*estimator)?;
        let t = match model_interval(*estimator, &columns, estimate, plan.level) {
            Some(model) => model?,
            None => interval(*estimator, stats, Method::StudentT, plan.level)?,
        };
        let bernstein = if estimator.is_importance_weighted() {
            interval(*estimator, stats, Method::EmpiricalBernstein, plan.level)?.bounds
        } else {
            None
        };
        rows.push(EstimateRow {
            family: *family,
            name: estimator.name(),
            value: t.estimate,
            t: t.bounds,
            bootstrap: bootstrap.as_ref().and_then(|b| b[k].bounds),
            bernstein,
        });
    }
    let diagnostics = weight_diagnostics(&columns)?;
    let unsupported = match &full {
        Some(full) => {
            let one_region;
            let region: &[u32] = if log.ages.is_empty() {
                one_region = vec![0; log.rows()];
                &one_region
            } else {
                &log.ages
            };
            Some(unsupported_mass(region, &log.actions, full)?.max(0.0))
        }
        None => None,
    };
    let mut notes = warnings(&diagnostics, unsupported);
    let certain = log.propensity.iter().filter(|p| **p >= 1.0).count();
    if let Some(note) =
        super::log_command::deterministic_note(certain as f64 / log.rows().max(1) as f64)
    {
        notes.push(note);
    }
    if let Some(note) = ignored_note(&log.ignored_columns) {
        notes.push(note);
    }
    let trajectory_ess = if log.independent() {
        None
    } else {
        Some(onboard_ope::trajectory_ess(&columns)?)
    };
    if let Some(ess) = trajectory_ess.filter(|e| *e < TRAJECTORY_ESS_WARNING * log.units() as f64) {
        notes.push(format!(
            "the products of a user's weights over the window have an effective sample size of \
             {ess:.1} of {} users: trajectory-is, pdis and wpdis rest on almost no user, whatever \
             their intervals say, and the model-based estimators rest on their models alone",
            log.units()
        ));
    }
    Ok(Evaluation {
        rows,
        logged: logged_values(log, plan.level)?,
        level: plan.level,
        decisions: log.rows(),
        units: log.units(),
        ess: diagnostics.ess,
        trajectory_ess,
        weights: (diagnostics.max_weight, diagnostics.p99_weight),
        unsupported,
        mismatch: columns.target.iter().map(|p| 1.0 - p).sum::<f64>()
            / columns.rows().max(1) as f64,
        skipped,
        warnings: notes,
    })
}

/// Most ignored columns a warning names one by one.
const IGNORED_SHOWN: usize = 10;

/// What to say of the log's columns that nothing reads, if any.
fn ignored_note(ignored: &[String]) -> Option<String> {
    if ignored.is_empty() {
        return None;
    }
    let mut named = ignored[..ignored.len().min(IGNORED_SHOWN)].join("', '");
    if ignored.len() > IGNORED_SHOWN {
        named.push_str(&format!("' and {} more", ignored.len() - IGNORED_SHOWN));
    } else {
        named.push('\'');
    }
    let mut note = format!(
        "the log's columns '{named} are not read (docs/log-schema.md names the columns onboard \
         reads; --columns maps a file's own names to them)"
    );
    if ignored.iter().any(|c| c == "position") {
        note.push_str(
            "; a position column (one row per slot, as the Open Bandit Pipeline logs) is not \
             supported: each row is taken as a decision of its own",
        );
    }
    Some(note)
}

/// The behaviour's own value on `log`: its mean reward per decision and, for a log of
/// users, its mean return per user, each the importance-weighted estimator with
/// every weight 1, so with the same interval as theirs.
fn logged_values(log: &Log, level: f64) -> Result<Vec<LoggedValue>, OpeError> {
    let columns = log.columns(log.propensity.clone());
    let ips = InverseProbabilityWeighting::new();
    let mut families: Vec<(Family, &dyn Estimator)> = vec![(Family::PerDecision, &ips)];
    if !log.independent() {
        families.push((Family::PerTrajectory, &Pdis));
    }
    families
        .into_iter()
        .map(|(family, estimator)| {
            let stats = estimator.unit_stats(&columns)?;
            let t = interval(estimator, &stats, Method::StudentT, level)?;
            Ok(LoggedValue {
                family,
                value: t.estimate,
                t: t.bounds,
            })
        })
        .collect()
}

/// The estimators `plan` names (every default when it names none), split by family;
/// per-trajectory ones only for a log of users.
#[allow(clippy::type_complexity)]
fn estimators(
    plan: &EvaluationPlan,
    independent: bool,
) -> Result<(Vec<Box<dyn PerDecisionEstimator>>, Vec<Box<dyn Estimator>>), OpeError> {
    if plan.estimators.is_empty() {
        let trajectory = if independent {
            Vec::new()
        } else {
            default_trajectory()
        };
        return Ok((default_per_decision(), trajectory));
    }
    let (mut per_decision, mut trajectory) = (Vec::new(), Vec::new());
    for spec in &plan.estimators {
        let (name, lambda) = match spec.split_once(':') {
            Some((name, _)) => (name.trim(), true),
            None => (spec.trim(), false),
        };
        if TRAJECTORY_ESTIMATORS.contains(&name) {
            if lambda {
                return Err(OpeError::Parameter(format!(
                    "estimator spec '{spec}': {name} takes no λ"
                )));
            }
            if independent {
                return Err(OpeError::Parameter(format!(
                    "estimator '{name}' follows users' trajectories, and this log has no user column"
                )));
            }
            trajectory.push(parse_trajectory(name)?);
            continue;
        }
        match parse_per_decision(spec) {
            Ok(e) => per_decision.push(e),
            // A per-decision estimator's own complaint (a bad λ) is the whole story.
            Err(e) if DEFAULT_SPECS.contains(&name) => return Err(e),
            Err(per_decision_error) => {
                return Err(OpeError::Parameter(format!(
                    "{per_decision_error}; nor is it a per-trajectory one ({})",
                    TRAJECTORY_ESTIMATORS.join(", ")
                )));
            }
        }
    }
    Ok((per_decision, trajectory))
}
