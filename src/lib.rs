//! onboard: experiments on the onboarding environment.
//!
//! Wires the environment of [`onboard_envs`] and the policies of [`onboard_agents`]
//! to files, tables, plots and the command line:
//!
//! - [`simulate`] runs a policy on a population; [`journeys`] runs the
//!   once-per-user decision mode over journey templates;
//! - [`train`] trains an agent and evaluates it frozen on fresh users;
//! - [`ab`] runs A/B/n experiments, with the statistics of [`stats`];
//! - [`ope`] writes logs and evaluates policies on them off-policy;
//! - [`sweep`] runs a base experiment over a grid of parameter values, resumable;
//! - [`demo`] is the main job;
//! - [`policies`] resolves the policies named on the command line;
//! - [`plots`] draws charts to SVG and PNG, [`cohort_plots`] the retention,
//!   conversion and profit charts of simulated cohorts;
//! - [`report`] writes `report.html`, [`table`] renders tables for the terminal,
//!   [`folder`] prepares output folders and keeps the list of files onboard wrote
//!   there, [`output`] writes tables and metric CSVs, [`progress`] draws progress bars;
//! - [`cli`] is the `onboard` command.

pub mod ab;
pub mod cli;
pub mod cohort_plots;
pub mod demo;
pub mod folder;
pub mod journeys;
pub mod ope;
pub mod output;
pub mod plots;
pub mod policies;
pub mod progress;
pub mod report;
pub mod simulate;
pub mod stats;
pub mod sweep;
pub mod table;
pub mod train;
