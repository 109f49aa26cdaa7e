//! Running mean and variance of the observation features (Welford, in f64).

use serde::{Deserialize, Serialize};

/// Standardises observations with the statistics of all observations seen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Normaliser {
    count: f64,
    mean: Vec<f64>,
    m2: Vec<f64>,
}

/// Standardised features are clipped to this many standard deviations.
const CLIP: f64 = 10.0;

impl Normaliser {
    /// No observations yet: the identity.
    pub fn new(features: usize) -> Self {
        Self {
            count: 0.0,
            mean: vec![0.0; features],
            m2: vec![0.0; features],
        }
    }

    /// Adds one observation to the statistics.
    pub fn update(&mut self, observation: impl IntoIterator<Item = f32>) {
        self.count += 1.0;
        for ((x, mean), m2) in observation
            .into_iter()
            .zip(&mut self.mean)
            .zip(&mut self.m2)
        {
            let x = f64::from(x);
            let delta = x - *mean;
            *mean += delta / self.count;
            *m2 += delta * (x - *mean);
        }
    }

    /// Per-feature `(shift, scale)` such that `(x − shift) · scale` is standardised;
    /// constant features are only centred.
    pub fn shift_and_scale(&self) -> (Vec<f32>, Vec<f32>) {
        let scale = self
            .m2
            .iter()
            .map(|&m2| {
                let variance = if self.count > 1.0 {
                    m2 / (self.count - 1.0)
                } else {
                    0.0
                };
                if variance > 1e-12 {
                    (1.0 / variance.sqrt()) as f32
                } else {
                    1.0
                }
            })
            .collect();
        (self.mean.iter().map(|&m| m as f32).collect(), scale)
    }

    /// The clip applied after standardising.
    pub fn clip() -> f64 {
        CLIP
    }
}
