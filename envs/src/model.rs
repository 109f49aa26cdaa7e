//! A validated scenario compiled into the dense tables the dynamics read.

use crate::actions::{ActionSpace, find_action};
use crate::error::ScenarioError;
use crate::observation::ObservationLayout;
use crate::scenario::{Churn, Dynamics, Lever, LeverKind, Objective, Scenario, Unsubscribe};
use crate::validate;
use std::collections::BTreeMap;

/// "No lever of this kind" in [`Model::joint`].
pub(crate) const NO_LEVER: u8 = u8::MAX;

/// The compiled model of one scenario. Cheap to share between threads by reference.
#[derive(Debug, Clone)]
pub struct Model {
    scenario: Scenario,
    layout: ObservationLayout,
    actions: ActionSpace,
    /// `ln(order_value.median)` per segment.
    pub(crate) log_median_value: Vec<f64>,
    /// `visit_effect[lever * n_segments + segment]`, log-odds.
    pub(crate) visit_effect: Vec<f64>,
    /// `purchase_effect[lever * n_segments + segment]`, log-odds.
    pub(crate) purchase_effect: Vec<f64>,
    /// `opt_in[lever * n_channels + channel]`: opt-in share at signup (0 for levers
    /// that are not messages).
    pub(crate) opt_in: Vec<f64>,
    /// `joint[action]`: the lever of each kind (order of [`LeverKind::ALL`]), or
    /// [`NO_LEVER`].
    pub(crate) joint: Vec<[u8; 3]>,
    /// Cumulative channel shares.
    pub(crate) channel_cdf: Vec<f64>,
    /// `segment_cdf[channel * n_segments + segment]`: cumulative segment mix per channel.
    pub(crate) segment_cdf: Vec<f64>,
    /// Value of a live subscription per lever, for the terminal value (0 if none).
    pub(crate) subscription_value: Vec<f64>,
    /// `journey_actions[journey * horizon + age]`: the joint action of each journey
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
        let per_segment = |pick: fn(&Lever) -> &BTreeMap<String, f64>| {
            scenario
                .levers
                .iter()
                .flat_map(|l| {
                    scenario
                        .segments
                        .iter()
                        .map(move |s| pick(l).get(&s.name).copied().unwrap_or(0.0))
                })
                .collect::<Vec<f64>>()
        };
        let visit_effect = per_segment(|l| &l.visit);
        let purchase_effect = per_segment(|l| &l.purchase);
        let opt_in = scenario
            .levers
            .iter()
            .flat_map(|l| {
                scenario.arrivals.channels.iter().map(move |c| {
                    if l.kind == LeverKind::Message {
                        l.opt_in.get(&c.name).copied().unwrap_or(0.0)
                    } else {
                        0.0
                    }
                })
            })
            .collect();
        let actions = ActionSpace::new(&scenario);
        let joint = (0..actions.len())
            .map(|a| actions.parts(a).map(|p| p.map_or(NO_LEVER, |l| l as u8)))
            .collect();
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
        let subscription_value = scenario
            .levers
            .iter()
            .map(|l| {
                scenario
                    .terminal_value
                    .as_ref()
                    .and_then(|t| t.subscription.get(&l.name).copied())
                    .unwrap_or(0.0)
            })
            .collect();
        let journey_actions = scenario
            .journeys
            .iter()
            .flat_map(|j| {
                let actions = &actions;
                (0..scenario.horizon as usize).map(move |age| {
                    find_action(actions.names(), j.steps.get(age).unwrap_or(&j.then))
                        .unwrap_or_default()
                })
            })
            .collect();
        let layout = ObservationLayout::with_actions(&scenario, &actions);
        Ok(Self {
            scenario,
            layout,
            actions,
            log_median_value,
            visit_effect,
            purchase_effect,
            opt_in,
            joint,
            channel_cdf,
            segment_cdf,
            subscription_value,
            journey_actions,
        })
    }

    /// The number of journey templates.
    pub fn n_journeys(&self) -> usize {
        self.scenario.journeys.len()
    }

    /// The joint action that journey template `journey` takes at `age`; ages past
    /// the horizon take the last day's action.
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

    /// This model with observations that also hold each user's latent traits and
    /// state ([`ObservationLayout::with_latent`]): simulator truth, for a privileged
    /// reference learner, never for a policy a platform could run.
    pub fn with_latent_observations(mut self) -> Self {
        let segments: Vec<String> = self
            .scenario
            .segments
            .iter()
            .map(|s| s.name.clone())
            .collect();
        self.layout = self.layout.with_latent(&segments);
        self
    }

    /// The names and positions of the observation features.
    pub fn layout(&self) -> &ObservationLayout {
        &self.layout
    }

    /// The joint actions a policy chooses from.
    pub fn actions(&self) -> &ActionSpace {
        &self.actions
    }

    /// Days simulated per user: ages `0..horizon`.
    pub fn horizon(&self) -> u32 {
        self.scenario.horizon
    }

    /// Number of joint actions a policy chooses from.
    pub fn n_actions(&self) -> usize {
        self.actions.len()
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
