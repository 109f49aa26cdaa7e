//! Cross-fitting: folds of units, and per-action ridge models fitted for each fold
//! on the other folds' rows.

use super::input::ModelInput;
use super::ridge::{Gram, Linear, Moments};
use crate::error::OpeError;
use rayon::prelude::*;

/// The model input with its features' means, around which they are centred (for
/// the conditioning of the ridge systems; the fits are the same whatever the centre).
pub(super) struct Design<'a> {
    /// The columns.
    pub(super) input: &'a ModelInput<'a>,
    mean: Vec<f64>,
}

impl<'a> Design<'a> {
    /// The design of `input` (checked).
    pub(super) fn new(input: &'a ModelInput<'a>) -> Self {
        let mut mean = vec![0.0; input.dim];
        for i in 0..input.rows() {
            for (m, &x) in mean.iter_mut().zip(input.features_of(i)) {
                *m += f64::from(x);
            }
        }
        let n = input.rows() as f64;
        mean.iter_mut().for_each(|m| *m /= n);
        Self { input, mean }
    }

    /// Writes row `i`'s centred features into `x`.
    fn centred(&self, i: usize, x: &mut [f64]) {
        for ((x, &f), m) in x.iter_mut().zip(self.input.features_of(i)).zip(&self.mean) {
            *x = f64::from(f) - m;
        }
    }
}

/// The fold of every row (unit `u`'s rows in fold `u mod K`).
pub(super) struct Folds {
    k: usize,
    of_row: Vec<usize>,
}

impl Folds {
    /// `folds` folds of the units of `starts` (at most one per unit).
    pub(super) fn new(starts: &[usize], folds: usize) -> Self {
        let units = starts.len().saturating_sub(1);
        let k = folds.min(units).max(1);
        let mut of_row = Vec::with_capacity(starts.last().copied().unwrap_or(0));
        for (u, w) in starts.windows(2).enumerate() {
            of_row.extend(std::iter::repeat_n(u % k, w[1] - w[0]));
        }
        Self { k, of_row }
    }

    /// Number of folds, each with its chain of models.
    pub(super) fn count(&self) -> usize {
        self.k
    }

    /// The fold of row `i`.
    pub(super) fn of_row(&self, i: usize) -> usize {
        self.of_row[i]
    }

    /// Whether fold `fold`'s rows train the models that predict fold `chain`.
    fn trains(&self, chain: usize, fold: usize) -> bool {
        self.k == 1 || chain != fold
    }
}

/// One stage's models: for each fold's chain, one linear model per action.
pub(super) struct Stage {
    n_actions: usize,
    /// `chain × n_actions + action`.
    models: Vec<Linear>,
}

impl Stage {
    /// Under `chain`'s models, at row `i` with centred features `x`: the prediction
    /// for the logged action and its expectation under the target.
    pub(super) fn predict(&self, design: &Design, chain: usize, i: usize, x: &[f64]) -> (f64, f64) {
        let models = &self.models[chain * self.n_actions..(chain + 1) * self.n_actions];
        let logged = models[design.input.actions[i] as usize].predict(x);
        let target = design
            .input
            .probs_of(i)
            .iter()
            .zip(models)
            .filter(|(p, _)| **p > 0.0)
            .map(|(p, model)| p * model.predict(x))
            .sum();
        (logged, target)
    }
}

/// The statistics of one fold's rows of one action, with each chain's targets.
struct Group {
    gram: Gram,
    /// One per chain.
    moments: Vec<Moments>,
}

/// Fits the models of one stage on `rows`: for each chain `c` and action `a`, a ridge
/// regression of `target(c, i)` on the centred features of the rows `i` of action
/// `a` in the folds that train chain `c`; an action without such rows predicts the
/// mean target of the chain's training rows (0 without any). Deterministic: each
/// fold's and action's statistics are summed in row order, then over folds in fold
/// order, whatever the threads.
pub(super) fn fit_stage(
    design: &Design,
    folds: &Folds,
    rows: &[usize],
    target: impl Fn(usize, usize) -> f64 + Sync,
    ridge: f64,
) -> Result<Stage, OpeError> {
    let n_actions = design.input.n_actions;
    let groups = accumulate(design, folds, rows, target);
    let sums = training_sums(&groups, folds, n_actions, design.input.dim);
    let models = sums
        .par_iter()
        .enumerate()
        .map(|(m, (gram, moments))| {
            if gram.count() > 0.0 {
                return Linear::fit(gram, moments, ridge);
            }
            let chain = &sums[m - m % n_actions..][..n_actions];
            let count: f64 = chain.iter().map(|(g, _)| g.count()).sum();
            let total: f64 = chain.iter().map(|(_, y)| y.sum()).sum();
            let mean = if count > 0.0 { total / count } else { 0.0 };
            Ok(Linear::constant(mean, design.input.dim))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Stage { n_actions, models })
}

/// The statistics of `rows` per fold and action (`fold × n_actions + action`), one
/// pass over each group's rows.
fn accumulate(
    design: &Design,
    folds: &Folds,
    rows: &[usize],
    target: impl Fn(usize, usize) -> f64 + Sync,
) -> Vec<Group> {
    let (k, n_actions, dim) = (folds.count(), design.input.n_actions, design.input.dim);
    let mut members = vec![Vec::new(); k * n_actions];
    for &i in rows {
        members[folds.of_row(i) * n_actions + design.input.actions[i] as usize].push(i);
    }
    members
        .par_iter()
        .map(|rows| {
            let mut group = Group {
                gram: Gram::new(dim),
                moments: vec![Moments::new(dim); k],
            };
            let mut x = vec![0.0; dim];
            for &i in rows {
                design.centred(i, &mut x);
                group.gram.add(&x);
                for (chain, moments) in group.moments.iter_mut().enumerate() {
                    if folds.trains(chain, folds.of_row(i)) {
                        moments.add(&x, target(chain, i));
                    }
                }
            }
            group
        })
        .collect()
}

/// Each chain's training statistics per action (`chain × n_actions + action`): the
/// sums of the groups of the folds that train it. Summed afresh rather than as a
/// total less the held-out fold, so that no held-out value touches them even by
/// rounding.
fn training_sums(
    groups: &[Group],
    folds: &Folds,
    n_actions: usize,
    dim: usize,
) -> Vec<(Gram, Moments)> {
    let k = folds.count();
    (0..k * n_actions)
        .into_par_iter()
        .map(|m| {
            let (chain, action) = (m / n_actions, m % n_actions);
            let mut gram = Gram::new(dim);
            let mut moments = Moments::new(dim);
            for fold in (0..k).filter(|&fold| folds.trains(chain, fold)) {
                let group = &groups[fold * n_actions + action];
                gram.merge(&group.gram);
                moments.merge(&group.moments[chain]);
            }
            (gram, moments)
        })
        .collect()
}

/// `f(i, centred features of row i, out)` for each row `i` of `rows`, in parallel,
/// each filling its `width` outputs; the outputs in the order of `rows`.
pub(super) fn map_rows(
    design: &Design,
    rows: &[usize],
    width: usize,
    f: impl Fn(usize, &[f64], &mut [f64]) + Sync,
) -> Vec<f64> {
    let mut out = vec![0.0; rows.len() * width];
    out.par_chunks_mut(width)
        .zip(rows.par_iter())
        .for_each_init(
            || vec![0.0; design.input.dim],
            |x, (out, &i)| {
                design.centred(i, x);
                f(i, x, out);
            },
        );
    out
}
