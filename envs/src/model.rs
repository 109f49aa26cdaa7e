//! A validated scenario compiled into the dense tables the dynamics read.

use crate::error::ScenarioError;
use crate::observation::ObservationLayout;
use crate::scenario::{Action, Churn, Dynamics, Objective, Scenario, Unsubscribe};
use crate::validate;

/// The compiled model of one scenario. Cheap to share between threads by reference.
#[derive(Debug, Clone)]
pub struct Model {
    scenario: Scenario,
    layout: ObservationLayout,
    /// `ln(order_value.median)` per segment.
    pub(crate) log_median_value: Vec<f64>,
    /// `visit_effect[action * n_segments + segment]`, log-odds.
    pub(crate) visit_effect: Vec<f64>,
    /// `purchase_effect[action * n_segments + segment]`, log-odds.
    pub(crate) purchase_effect: Vec<f64>,
    /// Cumulative channel shares.
    pub(crate) channel_cdf: Vec<f64>,
    /// `segment_cdf[channel * n_segments + segment]`: cumulative segment mix per channel.
    pub(crate) segment_cdf: Vec<f64>,
    /// `journey_actions[journey * horizon + age]`: the action index of each journey
    /// template at each age.
    journey_actions: Vec<usize>,
}

impl Model {
    /// Validates and compiles a scenario.
    pub fn new(scenario: Scenario) -> Result<Self, ScenarioError> {
        let problems = validate::problems(&scenario);
        if !problems.is_empty() {
            return Err(ScenarioError::Invalid {
                origin: format!("scenario '{}'", scenario.name),
                problems,
            });
        }
        let log_median_value = scenario
            .segments
            .iter()
            .map(|s| s.order_value.median.ln())
            .collect();
        let per_segment = |pick: fn(&Action) -> &std::collections::BTreeMap<String, f64>| {
            scenario
                .actions
                .iter()
                .flat_map(|a| {
                    scenario
                        .segments
                        .iter()
                        .map(move |s| pick(a).get(&s.name).copied().unwrap_or(0.0))
                })
                .collect::<Vec<f64>>()
        };
        let visit_effect = per_segment(|a| &a.visit);
        let purchase_effect = per_segment(|a| &a.purchase);
        let channel_cdf = cumulative(scenario.arrivals.channels.iter().map(|c| c.share));
        let segment_cdf = scenario
            .arrivals
            .channels
            .iter()
            .flat_map(|c| {
                cumulative(
                    scenario
                        .segments
                        .iter()
                        .map(|s| c.segments.get(&s.name).copied().unwrap_or(0.0)),
                )
            })
            .collect();
        let action_index = |name: &String| {
            scenario
                .actions
                .iter()
                .position(|a| &a.name == name)
                .unwrap_or_default()
        };
        let journey_actions = scenario
            .journeys
            .iter()
            .flat_map(|j| {
                (0..scenario.horizon as usize)
                    .map(move |age| action_index(j.steps.get(age).unwrap_or(&j.then)))
            })
            .collect();
        let layout = ObservationLayout::new(&scenario);
        Ok(Self {
            scenario,
            layout,
            log_median_value,
            visit_effect,
            purchase_effect,
            channel_cdf,
            segment_cdf,
            journey_actions,
        })
    }

    /// The number of journey templates.
    pub fn n_journeys(&self) -> usize {
        self.scenario.journeys.len()
    }

    /// The action that journey template `journey` takes at `age`; ages past the
    /// horizon take the last day's action.
    ///
    /// # Panics
    /// If `journey` is not below [`Model::n_journeys`].
    pub fn journey_action(&self, journey: usize, age: u32) -> usize {
        let horizon = self.scenario.horizon as usize;
        self.journey_actions[journey * horizon + (age as usize).min(horizon - 1)]
    }

    /// The scenario this model was compiled from.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// The names and positions of the observation features.
    pub fn layout(&self) -> &ObservationLayout {
        &self.layout
    }

    /// Days simulated per user: ages `0..horizon`.
    pub fn horizon(&self) -> u32 {
        self.scenario.horizon
    }

    /// Number of actions a policy chooses from.
    pub fn n_actions(&self) -> usize {
        self.scenario.actions.len()
    }

    /// Number of segments.
    pub fn n_segments(&self) -> usize {
        self.scenario.segments.len()
    }

    /// Number of acquisition channels.
    pub fn n_channels(&self) -> usize {
        self.channel_cdf.len()
    }

    pub(crate) fn dynamics(&self) -> &Dynamics {
        &self.scenario.dynamics
    }

    pub(crate) fn churn(&self) -> &Churn {
        &self.scenario.churn
    }

    pub(crate) fn unsubscribe(&self) -> &Unsubscribe {
        &self.scenario.unsubscribe
    }

    pub(crate) fn objective(&self) -> Objective {
        self.scenario.objective
    }

    pub(crate) fn margin(&self) -> f64 {
        self.scenario.margin
    }
}

/// Running sums of probabilities; the last is forced to 1 so that a draw below 1
/// always lands on a category, whatever the rounding of the shares.
fn cumulative(probabilities: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut total = 0.0;
    let mut cdf: Vec<f64> = probabilities
        .map(|p| {
            total += p;
            total
        })
        .collect();
    if let Some(last) = cdf.last_mut() {
        *last = 1.0;
    }
    cdf
}

/// The index of the first cumulative probability above `u`.
pub(crate) fn categorical(cdf: &[f64], u: f64) -> usize {
    cdf.iter().position(|&c| u < c).unwrap_or(cdf.len() - 1)
}
