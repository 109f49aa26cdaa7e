//! The one pass over the rows that every per-decision estimator goes through: the log
//! is cut into chunks of whole units that stay in the L2 cache, the importance
//! weights of a chunk are computed once, then each estimator sums its terms over the
//! chunk's units in a tight loop (one dynamic call per chunk, not per row). Chunks are
//! independent, so they run in parallel with identical results whatever the threads.

use super::PerDecisionEstimator;
use crate::columns::Columns;
use crate::error::OpeError;
use crate::estimator::UnitStats;
use rayon::prelude::*;
use std::borrow::Borrow;
use std::ops::Range;

/// Rows per chunk, at least: five input columns and the weights of 1024 rows take
/// 48 KiB, inside a core's L2 cache and about its L1 (measured: larger chunks are
/// slower, smaller ones pay more per chunk).
const CHUNK_ROWS: usize = 1024;

/// What a per-row term reads of a row of a chunk with model predictions.
#[derive(Debug, Clone, Copy)]
pub struct Row {
    /// The importance weight `w = π_e(a|x) / π_b(a|x)`.
    pub w: f64,
    /// The reward `r`.
    pub reward: f64,
    /// The reward model's prediction for the logged action, `q̂(x, a)`.
    pub logged: f64,
    /// The reward model's expectation under the target, `q̂(x, π_e)`.
    pub target: f64,
}

/// A chunk of whole units: their rows' weights, rewards and model predictions.
#[derive(Debug, Clone, Copy)]
pub struct Chunk<'a> {
    /// Absolute row starts of the chunk's units, then the end of its last unit.
    starts: &'a [usize],
    w: &'a [f64],
    reward: &'a [f64],
    /// Empty when the log has no reward model.
    logged: &'a [f64],
    /// Empty when the log has no reward model.
    target: &'a [f64],
}

impl Chunk<'_> {
    /// Number of units in the chunk.
    pub fn units(&self) -> usize {
        self.starts.len() - 1
    }

    /// Writes each unit's row count into statistic `j` of `out` (`k` per unit).
    pub fn count(&self, out: &mut [f64], k: usize, j: usize) {
        for (o, pair) in out.chunks_exact_mut(k).zip(self.starts.windows(2)) {
            o[j] = (pair[1] - pair[0]) as f64;
        }
    }

    /// Writes each unit's sums of the `N` terms `term(w, r)` over its rows into
    /// statistics `j..j + N` of `out` (`k` per unit).
    #[inline(always)]
    pub fn sum<const N: usize>(
        &self,
        out: &mut [f64],
        k: usize,
        j: usize,
        term: impl Fn(f64, f64) -> [f64; N],
    ) {
        self.sum_rows(
            out,
            k,
            j,
            [self.w, self.reward, self.w, self.reward],
            |row| term(row.w, row.reward),
        );
    }

    /// Writes each unit's sums of the `N` terms `term(row)` over its rows into
    /// statistics `j..j + N` of `out` (`k` per unit); for estimators that need the
    /// reward model.
    #[inline(always)]
    pub fn sum_model<const N: usize>(
        &self,
        out: &mut [f64],
        k: usize,
        j: usize,
        term: impl Fn(Row) -> [f64; N],
    ) {
        self.sum_rows(
            out,
            k,
            j,
            [self.w, self.reward, self.logged, self.target],
            term,
        );
    }

    /// The shared loop: per unit, four-lane sums of the terms over its rows.
    #[inline(always)]
    fn sum_rows<const N: usize>(
        &self,
        out: &mut [f64],
        k: usize,
        j: usize,
        columns: [&[f64]; 4],
        term: impl Fn(Row) -> [f64; N],
    ) {
        let n = columns[0].len();
        let [w, reward, logged, target] = columns.map(|c| &c[..n]);
        let rows = w.iter().zip(reward).zip(logged).zip(target);
        if n == self.units() {
            for (o, (((&w, &reward), &logged), &target)) in out.chunks_exact_mut(k).zip(rows) {
                o[j..j + N].copy_from_slice(&term(Row {
                    w,
                    reward,
                    logged,
                    target,
                }));
            }
            return;
        }
        let first = self.starts[0];
        for (o, pair) in out.chunks_exact_mut(k).zip(self.starts.windows(2)) {
            let unit = pair[0] - first..pair[1] - first;
            o[j..j + N].copy_from_slice(&unit_sums(
                [
                    &w[unit.clone()],
                    &reward[unit.clone()],
                    &logged[unit.clone()],
                    &target[unit],
                ],
                &term,
            ));
        }
    }
}

/// The sums of the terms over one unit's rows, each in four lanes (four independent
/// chains of additions) and a tail, so that the loop runs at the rate of the
/// arithmetic.
#[inline(always)]
fn unit_sums<const N: usize, F: Fn(Row) -> [f64; N]>(columns: [&[f64]; 4], term: &F) -> [f64; N] {
    let n = columns[0].len();
    let [
        (w, w_tail),
        (reward, reward_tail),
        (logged, logged_tail),
        (target, target_tail),
    ] = columns.map(|c| c[..n].as_chunks::<4>());
    let mut lanes = [[0.0; N]; 4];
    for (((w, reward), logged), target) in w.iter().zip(reward).zip(logged).zip(target) {
        for (l, lane) in lanes.iter_mut().enumerate() {
            let terms = term(Row {
                w: w[l],
                reward: reward[l],
                logged: logged[l],
                target: target[l],
            });
            for (sum, t) in lane.iter_mut().zip(terms) {
                *sum += t;
            }
        }
    }
    let mut tail = [0.0; N];
    for (((&w, &reward), &logged), &target) in w_tail
        .iter()
        .zip(reward_tail)
        .zip(logged_tail)
        .zip(target_tail)
    {
        let terms = term(Row {
            w,
            reward,
            logged,
            target,
        });
        for (sum, t) in tail.iter_mut().zip(terms) {
            *sum += t;
        }
    }
    std::array::from_fn(|i| (lanes[0][i] + lanes[1][i]) + (lanes[2][i] + lanes[3][i]) + tail[i])
}

/// Evaluates per-decision estimators together in one pass over the rows: for each,
/// its per-unit statistics, or why it is unavailable (a reward model it needs and
/// the log lacks). Fails when the columns do not fit together: the shape is checked
/// first, the values it reads (propensities, target probabilities, rewards, reward
/// model) chunk by chunk while they are in cache, with [`Columns::check`]'s error
/// where one fails.
pub fn evaluate_per_decision<E: Borrow<dyn PerDecisionEstimator>>(
    columns: &Columns,
    estimators: &[E],
) -> Result<Vec<Result<UnitStats, OpeError>>, OpeError> {
    columns.check_shape()?;
    let units = columns.units();
    let mut results: Vec<Result<UnitStats, OpeError>> = estimators
        .iter()
        .map(|e| {
            let e = e.borrow();
            if e.needs_reward_model() && columns.reward_model.is_none() {
                Err(OpeError::Unavailable {
                    estimator: e.name(),
                    why: "needs a reward model's predictions (q̂ of the logged action and its \
                          expectation under the target), and the log has none"
                        .into(),
                })
            } else {
                Ok(UnitStats::zeros(units, e.k()))
            }
        })
        .collect();
    let active: Vec<(&dyn PerDecisionEstimator, &mut UnitStats)> = estimators
        .iter()
        .zip(results.iter_mut())
        .filter_map(|(e, r)| r.as_mut().ok().map(|s| (e.borrow(), s)))
        .collect();
    if !run_chunks(columns, active) {
        columns.check()?;
    }
    Ok(results)
}

/// The statistics of one per-decision estimator, through the fused pass.
pub(crate) fn unit_stats(
    estimator: &(dyn PerDecisionEstimator + 'static),
    columns: &Columns,
) -> Result<UnitStats, OpeError> {
    evaluate_per_decision(columns, &[estimator])?
        .pop()
        .unwrap_or_else(|| unreachable!("one estimator gives one result"))
}

/// Cuts the units into chunks of at least [`CHUNK_ROWS`] rows (a longer unit is a
/// chunk of its own).
fn chunk_units(starts: &[usize]) -> Vec<Range<usize>> {
    let mut chunks = Vec::new();
    let mut first = 0;
    for u in 1..starts.len() {
        if starts[u] - starts[first] >= CHUNK_ROWS || u == starts.len() - 1 {
            chunks.push(first..u);
            first = u;
        }
    }
    chunks
}

/// Runs every active estimator over every chunk, writing into its statistics;
/// whether every value read was valid.
fn run_chunks(columns: &Columns, active: Vec<(&dyn PerDecisionEstimator, &mut UnitStats)>) -> bool {
    let chunks = chunk_units(&columns.starts);
    let mut outs: Vec<Vec<&mut [f64]>> = chunks.iter().map(|_| Vec::new()).collect();
    let estimators: Vec<&dyn PerDecisionEstimator> = active.iter().map(|(e, _)| *e).collect();
    for (_, stats) in active {
        let k = stats.k;
        let mut rest = stats.values.as_mut_slice();
        for (units, out) in chunks.iter().zip(outs.iter_mut()) {
            let (head, tail) = std::mem::take(&mut rest).split_at_mut(units.len() * k);
            out.push(head);
            rest = tail;
        }
    }
    let (model_logged, model_target) = match &columns.reward_model {
        Some(p) => (p.logged.as_slice(), p.target.as_slice()),
        None => (&[][..], &[][..]),
    };
    chunks
        .par_iter()
        .zip(outs.par_iter_mut())
        .map_init(Vec::new, |w: &mut Vec<f64>, (units, outs)| {
            let starts = &columns.starts[units.start..=units.end];
            let rows = starts[0]..starts[starts.len() - 1];
            let logged = model_logged.get(rows.clone()).unwrap_or(&[]);
            let target = model_target.get(rows.clone()).unwrap_or(&[]);
            let reward = &columns.reward[rows.clone()];
            let valid = weigh(&columns.propensity[rows.clone()], &columns.target[rows], w)
                & finite(reward)
                & finite(logged)
                & finite(target);
            let chunk = Chunk {
                starts,
                w,
                reward,
                logged,
                target,
            };
            for (e, out) in estimators.iter().zip(outs.iter_mut()) {
                e.chunk_stats(&chunk, out);
            }
            valid
        })
        .reduce(|| true, |a, b| a & b)
}

/// Fills `w` with the importance weights `target / propensity`; whether every
/// propensity is in (0, 1] and every target probability in [0, 1]. Branch-free, so
/// that it vectorises.
fn weigh(propensity: &[f64], target: &[f64], w: &mut Vec<f64>) -> bool {
    w.clear();
    let mut valid = true;
    w.extend(propensity.iter().zip(target).map(|(&p, &t)| {
        valid &= (p > 0.0) & (p <= 1.0) & (0.0..=1.0).contains(&t);
        t / p
    }));
    valid
}

/// Whether every value is finite: `v · 0` is 0 for a finite `v`, NaN otherwise;
/// summed in eight lanes, so that it vectorises.
fn finite(column: &[f64]) -> bool {
    let (body, tail) = column.as_chunks::<8>();
    let mut lanes = [0.0; 8];
    for values in body {
        for (lane, v) in lanes.iter_mut().zip(values) {
            *lane += v * 0.0;
        }
    }
    lanes.iter().chain(tail).map(|v| v * 0.0).sum::<f64>() == 0.0
}
