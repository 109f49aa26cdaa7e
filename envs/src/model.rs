//! A validated scenario compiled into the dense tables the dynamics read.

use crate::error::ScenarioError;
use crate::observation::ObservationLayout;
use crate::scenario::{ActionKind, Churn, Dynamics, Objective, Scenario, Unsubscribe};
use crate::validate;

/// Per-segment constants, with the order value stored as log-normal parameters.
#[derive(Debug, Clone)]
pub(crate) struct SegmentParams {
    pub visit_base: f64,
    pub purchase_base: f64,
    pub churn_base: f64,
    pub intent: (f64, f64),
    pub price_sensitivity: (f64, f64),
    pub tolerance: (f64, f64),
    pub log_value_mean: f64,
    pub log_value_sd: f64,
}

/// Per-action constants that do not depend on the segment.
#[derive(Debug, Clone)]
pub(crate) struct ActionParams {
    pub kind: ActionKind,
    pub cost: f64,
    pub discount: f64,
    pub personalised: bool,
    pub fatigue: f64,
    pub knowledge: f64,
    pub dependence: f64,
}

/// The compiled model of one scenario. Cheap to share between threads by reference.
#[derive(Debug, Clone)]
pub struct Model {
    scenario: Scenario,
    layout: ObservationLayout,
    pub(crate) segments: Vec<SegmentParams>,
    pub(crate) actions: Vec<ActionParams>,
    /// `visit_effect[action * n_segments + segment]`, log-odds.
    pub(crate) visit_effect: Vec<f64>,
    /// `purchase_effect[action * n_segments + segment]`, log-odds.
    pub(crate) purchase_effect: Vec<f64>,
    /// Cumulative channel shares.
    pub(crate) channel_cdf: Vec<f64>,
    /// `segment_cdf[channel * n_segments + segment]`: cumulative segment mix per channel.
    pub(crate) segment_cdf: Vec<f64>,
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
        let segments = scenario
            .segments
            .iter()
            .map(|s| SegmentParams {
                visit_base: s.visit_base,
                purchase_base: s.purchase_base,
                churn_base: s.churn_base,
                intent: (s.intent.mean, s.intent.sd),
                price_sensitivity: (s.price_sensitivity.mean, s.price_sensitivity.sd),
                tolerance: (s.tolerance.mean, s.tolerance.sd),
                log_value_mean: s.order_value.median.ln(),
                log_value_sd: s.order_value.sigma,
            })
            .collect();
        let actions = scenario
            .actions
            .iter()
            .map(|a| ActionParams {
                kind: a.kind,
                cost: a.cost,
                discount: a.discount,
                personalised: a.personalised,
                fatigue: a.fatigue,
                knowledge: a.knowledge,
                dependence: a.dependence,
            })
            .collect();
        let per_segment =
            |pick: fn(&crate::scenario::Action) -> &std::collections::BTreeMap<String, f64>| {
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
        let layout = ObservationLayout::new(&scenario);
        Ok(Self {
            scenario,
            layout,
            segments,
            actions,
            visit_effect,
            purchase_effect,
            channel_cdf,
            segment_cdf,
        })
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
        self.actions.len()
    }

    /// Number of segments.
    pub fn n_segments(&self) -> usize {
        self.segments.len()
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
