//! onboard: experiments on the onboarding environment.
//!
//! Wires the environment of [`onboard_envs`] and the policies of [`onboard_agents`] to
//! files, tables and the command line: [`simulate`] runs a policy on a population,
//! [`train`] trains a learner on simulated cohorts, [`journeys`] runs the
//! once-per-user decision mode over journey templates, [`policies`] resolves policies
//! named on the command line,
//! [`stats`] computes the statistics of A/B/n tests (lifts, intervals, survival),
//! [`table`] renders metrics for the terminal, [`output`] writes run folders, [`plots`]
//! draws charts to SVG and PNG,
//! [`ab`] runs A/B/n experiments and [`report`] writes their HTML page, [`demo`] is
//! the main job, and [`cli`] is the `onboard` command.

pub mod ab;
pub mod cli;
pub mod cohort_plots;
pub mod demo;
pub mod journeys;
pub mod output;
pub mod plots;
pub mod policies;
pub mod report;
pub mod simulate;
pub mod stats;
pub mod table;
pub mod train;
