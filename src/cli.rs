//! The command line: argument definitions and what each command does.

use crate::ab::run_experiment_file;
use crate::output::{run_folder, write_metrics_csv};
use crate::policies::policy_from_spec;
use crate::simulate::{Population, simulate};
use crate::table;
use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use onboard_envs::{BUILTIN, Model, Scenario};
use std::path::PathBuf;
use std::sync::Arc;

/// Reinforcement-learning experimentation simulator for e-commerce new-user onboarding.
#[derive(Debug, Parser)]
#[command(name = "onboard", version, about)]
pub struct Cli {
    /// Hide progress bars.
    #[arg(long, global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The main job: simulates the default scenario under the "nothing" baseline and
    /// prints its cohort metrics.
    ///
    /// Example: onboard demo --users 50000
    Demo {
        /// Users in the simulated cohort.
        #[arg(long, default_value_t = 100_000)]
        users: usize,
        /// Where to write the outputs.
        #[arg(long, default_value = "results/demo")]
        out: PathBuf,
    },
    /// Simulates a scenario under a policy; prints and writes cohort metrics.
    ///
    /// Example: onboard run coupon-trap --policy welcome_coupon --users 20000
    Run {
        /// A built-in scenario name (see `onboard scenarios`) or a path to a RON file.
        scenario: String,
        /// An action name of the scenario (taken for every user every day), `random`,
        /// or a rule schedule in a .ron file.
        #[arg(long, default_value = "nothing")]
        policy: String,
        /// Users in a cohort that signs up on day 0.
        #[arg(long, default_value_t = 100_000, conflicts_with = "launch")]
        users: usize,
        /// Instead of a cohort, simulate a launch: users arrive for this many days.
        #[arg(long)]
        launch: Option<u32>,
        /// Seed of every random stream (default: the scenario's).
        #[arg(long)]
        seed: Option<u64>,
        /// Output folder (default: results/<scenario>-<timestamp>).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Runs an A/B/n experiment described in a RON file: every arm on paired or split
    /// users, metrics with intervals, lifts, survival, sample sizes and a power
    /// curve; writes tables, plots and report.html.
    ///
    /// Example: onboard ab experiments/default-abn.ron
    Ab {
        /// The experiment file (see experiments/ for examples).
        experiment: PathBuf,
        /// Output folder (default: results/<experiment>-<timestamp>).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Lists the built-in scenarios.
    ///
    /// Example: onboard scenarios
    Scenarios,
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Demo { users, out } => {
            let scenario = Scenario::builtin("default")?;
            simulate_policy(
                scenario,
                "nothing",
                Population::Cohort { users },
                None,
                Some(out),
                cli.quiet,
            )
        }
        Command::Run {
            scenario,
            policy,
            users,
            launch,
            seed,
            out,
        } => {
            let population = match launch {
                Some(days) => Population::Launch { days },
                None => Population::Cohort { users },
            };
            simulate_policy(
                Scenario::load(&scenario)?,
                &policy,
                population,
                seed,
                out,
                cli.quiet,
            )
        }
        Command::Ab { experiment, out } => {
            let result = run_experiment_file(&experiment, out.as_deref(), cli.quiet)?;
            print!("{}", table::render_experiment(&result.analysis));
            println!(
                "report written to {}",
                result.folder.join("report.html").display()
            );
            Ok(())
        }
        Command::Scenarios => {
            for (name, text) in BUILTIN {
                let summary = text.lines().next().unwrap_or("").trim_start_matches("// ");
                println!("{name:<12} {summary}");
            }
            Ok(())
        }
    }
}

fn simulate_policy(
    scenario: Scenario,
    action: &str,
    population: Population,
    seed: Option<u64>,
    out: Option<PathBuf>,
    quiet: bool,
) -> Result<()> {
    let name = scenario.name.clone();
    let seed = seed.unwrap_or(scenario.seed);
    let model = Arc::new(Model::new(scenario)?);
    let mut policy = policy_from_spec(action, &model, seed)?;
    let metrics = simulate(model, seed, population, policy.as_mut(), quiet)?.metrics;
    let folder = run_folder(out.as_deref(), &name)?;
    let csv = folder.join("metrics.csv");
    write_metrics_csv(&csv, &metrics)
        .with_context(|| format!("writing the results of '{name}'"))?;
    println!("scenario {name}, policy {}, seed {seed}", policy.name());
    print!("{}", table::render(&metrics));
    println!("metrics by day written to {}", csv.display());
    Ok(())
}
