//! The constant baseline: the same action for every user on every day.

use crate::Policy;
use ndarray::ArrayView2;

/// Always pulls one lever (for example "nothing", the usual control arm).
#[derive(Debug, Clone)]
pub struct ConstantPolicy {
    name: String,
    action: usize,
}

impl ConstantPolicy {
    /// A policy that always takes `action`, shown as `name`.
    pub fn new(name: impl Into<String>, action: usize) -> Self {
        Self {
            name: name.into(),
            action,
        }
    }
}

impl Policy for ConstantPolicy {
    fn name(&self) -> &str {
        &self.name
    }

    fn act(&mut self, observations: ArrayView2<'_, f32>, actions: &mut [usize]) {
        debug_assert_eq!(observations.nrows(), actions.len());
        actions.fill(self.action);
    }
}
