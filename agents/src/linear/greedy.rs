//! The frozen policy of both linear bandits: for each row, the arm of highest
//! ridge mean `θ̂_aᵀx`, the lowest index on ties.

use super::ridge::{Ridge, contexts};
use crate::checks::argmax;
use crate::policy::{Policy, deterministic_probabilities};
use ndarray::{Array1, ArrayView2, ArrayViewMut2, Axis};

/// Acts on fixed per-arm estimates `θ̂_a`: deterministic, learns nothing.
#[derive(Debug, Clone)]
pub struct RidgeGreedy {
    name: String,
    n_features: usize,
    thetas: Vec<Array1<f64>>,
}

impl RidgeGreedy {
    /// The greedy policy of `arms`' current estimates, over observation rows of
    /// `n_features` features, shown as `name`.
    pub fn new(name: impl Into<String>, n_features: usize, arms: &[Ridge]) -> Self {
        Self {
            name: name.into(),
            n_features,
            thetas: arms.iter().map(|arm| arm.theta().to_owned()).collect(),
        }
    }

    /// Writes the arm of highest `θ̂_aᵀx` of every row.
    fn choose(&self, observations: ArrayView2<'_, f32>, actions: &mut [usize]) {
        let contexts = contexts(observations, self.n_features);
        for (x, action) in contexts.axis_iter(Axis(0)).zip(actions.iter_mut()) {
            *action = argmax(self.thetas.iter().map(|theta| theta.dot(&x)));
        }
    }
}

impl Policy for RidgeGreedy {
    fn name(&self) -> &str {
        &self.name
    }

    fn n_actions(&self) -> usize {
        self.thetas.len()
    }

    fn probabilities(
        &mut self,
        observations: ArrayView2<'_, f32>,
        probabilities: ArrayViewMut2<'_, f64>,
    ) {
        deterministic_probabilities(self, observations, probabilities);
    }

    fn act(&mut self, observations: ArrayView2<'_, f32>, actions: &mut [usize]) {
        self.choose(observations, actions);
    }
}
