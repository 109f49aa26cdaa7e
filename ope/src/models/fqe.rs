//! Fitted Q evaluation by backward induction over the time steps.

use super::crossfit::{Design, Folds, fit_stage, map_rows};
use crate::columns::{FoldPredictions, Predictions};
use crate::error::OpeError;

/// The cross-fitted value model of `design`'s log (see
/// [`value_model`](super::value_model)).
pub(super) fn fit(design: &Design, folds: &Folds, ridge: f64) -> Result<Predictions, OpeError> {
    let input = design.input;
    let n = input.rows();
    let k = folds.count();
    let mut step = vec![0usize; n];
    let mut at_step: Vec<Vec<usize>> = Vec::new();
    for w in input.starts.windows(2) {
        for (t, i) in (w[0]..w[1]).enumerate() {
            step[i] = t;
            if at_step.len() == t {
                at_step.push(Vec::new());
            }
            at_step[t].push(i);
        }
    }
    let continues = |i: usize| i + 1 < n && step[i + 1] == step[i] + 1;
    // `value[i * k + c]`: chain `c`'s `V̂_t(x_i)`, written at row `i`'s step `t` and
    // read as the target of the step before.
    let mut value = vec![0.0; n * k];
    let mut out = Predictions {
        logged: vec![0.0; n],
        target: vec![0.0; n],
        folds: None,
    };
    for rows in at_step.iter().rev() {
        let stage = fit_stage(
            design,
            folds,
            rows,
            |c, i| {
                input.reward[i]
                    + if continues(i) {
                        value[(i + 1) * k + c]
                    } else {
                        0.0
                    }
            },
            ridge,
        )?;
        let predicted = map_rows(design, rows, k + 1, |i, x, out| {
            for c in 0..k {
                let (logged, target) = stage.predict(design, c, i, x);
                out[c] = target;
                if c == folds.of_row(i) {
                    out[k] = logged;
                }
            }
        });
        for (&i, row) in rows.iter().zip(predicted.chunks_exact(k + 1)) {
            value[i * k..(i + 1) * k].copy_from_slice(&row[..k]);
            out.logged[i] = row[k];
            out.target[i] = row[folds.of_row(i)];
        }
    }
    let firsts = &input.starts[..input.starts.len().saturating_sub(1)];
    out.folds = Some(FoldPredictions {
        count: k,
        of_unit: firsts.iter().map(|&s| folds.of_row(s)).collect(),
        first: firsts
            .iter()
            .flat_map(|&s| value[s * k..(s + 1) * k].iter().copied())
            .collect(),
    });
    Ok(out)
}
