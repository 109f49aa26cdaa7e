//! The command line: argument definitions and what each command does.

use crate::ab::run_experiment_file;
use crate::cohort_plots::write_cohort_plots;
use crate::demo::{DemoOptions, run_demo};
use crate::folder::{Writer, run_folder};
use crate::output::write_metrics_csv;
use crate::policies::policy_from_spec;
use crate::report::{self, RunReport};
use crate::simulate::{Population, simulate};
use crate::table;
use crate::train::{TrainOptions, TrainingPlan, resume_training, train_agent};
use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use onboard_agents::AgentConfig;
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
    /// The main job: on the default scenario, trains DQN and LinUCB, then runs a
    /// paired A/B/n of both against baselines on fresh users; writes the report.
    ///
    /// Example: onboard demo --users 50000
    Demo {
        /// Users per arm in the A/B/n.
        #[arg(long, default_value_t = crate::demo::USERS)]
        users: usize,
        /// Training cohorts for DQN.
        #[arg(long, default_value_t = crate::demo::DQN_COHORTS)]
        dqn_cohorts: u64,
        /// Training cohorts for LinUCB.
        #[arg(long, default_value_t = crate::demo::BANDIT_COHORTS)]
        bandit_cohorts: u64,
        /// Users per training cohort.
        #[arg(long, default_value_t = crate::demo::TRAINING_USERS)]
        training_users: usize,
        /// Users in each of the validation and test cohorts that choose and report
        /// the trained snapshots.
        #[arg(long, default_value_t = crate::demo::EVALUATION_USERS)]
        eval_users: usize,
        /// Replicate split tests per sample size for the power curve.
        #[arg(long, default_value_t = crate::demo::REPLICATES)]
        replicates: usize,
        /// Where to write the outputs.
        #[arg(long, default_value = "results/demo")]
        out: PathBuf,
        /// Write into --out even where another kind of command wrote (none of its
        /// files is deleted; files of the same name are replaced).
        #[arg(long)]
        force: bool,
    },
    /// Simulates a scenario under a policy; prints and writes cohort metrics.
    ///
    /// Example: onboard run coupon-trap --policy coupon+recs --users 20000
    Run {
        /// A built-in scenario name (see `onboard scenarios`) or a path to a RON file.
        scenario: String,
        /// An action taken for every user every day (a lever, levers of different kinds
        /// joined by `+`, or `nothing`), `random`, an agent .ron file (e.g. a rule
        /// schedule) or a learner saved by `train` (.ot or .agent.ron), frozen.
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
        /// Write into --out even where another kind of command wrote (none of its
        /// files is deleted; files of the same name are replaced).
        #[arg(long)]
        force: bool,
    },
    /// Trains an agent (any agents/configs/*.ron file) on training cohorts, or with
    /// --online during a launch; at every evaluation point freezes it and evaluates
    /// the frozen policy on fresh validation and test users, keeps the snapshot best
    /// on validation and reports its test value. Writes the learning curve (CSV and
    /// plot), the chosen snapshot's test metrics, the chosen snapshot (best.ot for
    /// DQN, best.agent.ron otherwise), which `run --policy` and `ab` accept, and the
    /// learner after its last step (checkpoint.ot or checkpoint.agent.ron).
    ///
    /// Example: onboard train coupon-trap --agent agents/configs/dqn.ron --cohorts 300
    ///
    /// An interrupted run (killed, out of time on a scheduler) goes on from its last
    /// evaluation point with `onboard train --resume DIR`, to the same results as had
    /// it never stopped; DIR/run.json says whether a run is running, finished or
    /// failed.
    Train {
        /// A built-in scenario name or a path to a RON file.
        #[arg(required_unless_present = "resume")]
        scenario: Option<String>,
        /// The agent file (RON), e.g. agents/configs/linucb.ron.
        #[arg(long, required_unless_present = "resume")]
        agent: Option<PathBuf>,
        /// Training cohorts.
        #[arg(long, default_value_t = 20)]
        cohorts: usize,
        /// Users per training cohort.
        #[arg(long, default_value_t = 2_000)]
        users: usize,
        /// Users in each of the validation and test cohorts.
        #[arg(long, default_value_t = 10_000)]
        eval_users: usize,
        /// Cohorts (online: days) between evaluations; 0 evaluates only at the end.
        #[arg(long, default_value_t = 5)]
        eval_every: usize,
        /// Learn online during a launch with arrivals for this many days.
        #[arg(long)]
        online: Option<u32>,
        /// Choose once per user at signup among the scenario's journey templates.
        #[arg(long)]
        at_signup: bool,
        /// Seed of the run (default: the scenario's): fixes every simulated user
        /// (training, validation and test), and the agent unless --agent-seed.
        #[arg(long)]
        seed: Option<u64>,
        /// Seed of the agent alone (initial weights, exploration, minibatches;
        /// default: the run's): train one learner with several seeds on the same users.
        #[arg(long)]
        agent_seed: Option<u64>,
        /// Simulator truth, as a reference: the learner also sees each user's latent
        /// segment, traits and state (intent, price sensitivity, habit, fatigue,
        /// churn …), which no platform can. Its value is what a policy could reach
        /// knowing everything; its state is no policy for a real platform.
        #[arg(long)]
        privileged: bool,
        /// Output folder (default: results/<scenario>-<timestamp>).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Write into --out even where another kind of command wrote (none of its
        /// files is deleted; files of the same name are replaced).
        #[arg(long)]
        force: bool,
        /// Go on with the interrupted run in this folder, as it was set up (the
        /// scenario, agent and plan are read from the folder).
        #[arg(long, value_name = "DIR", conflicts_with_all = [
            "scenario", "agent", "cohorts", "users", "eval_users", "eval_every",
            "online", "at_signup", "seed", "agent_seed", "privileged", "out", "force",
        ])]
        resume: Option<PathBuf>,
    },
    /// Runs a sweep described in a RON file: the base experiment for every
    /// combination of parameter values (addressed by path, e.g.
    /// scenario.levers[1].cost), with replicates, on --jobs threads. Finished cells
    /// are kept, so a rerun of the same spec goes on where a killed one stopped.
    /// Writes sweep.csv and a chart per metric.
    ///
    /// Example: onboard sweep experiments/sweep-coupon.ron --jobs 2
    #[command(args_conflicts_with_subcommands = true)]
    Sweep {
        /// `merge`: combine the folders of a sweep's shards; `slurm`: run it as a
        /// Slurm job array.
        #[command(subcommand)]
        action: Option<SweepAction>,
        /// The sweep spec (see experiments/sweep-coupon.ron).
        #[arg(required = true)]
        spec: Option<PathBuf>,
        /// Cells run at once (default: the machine's cores).
        #[arg(long)]
        jobs: Option<usize>,
        /// Run only shard K of N (K/N, 1 ≤ K ≤ N): the cells at grid positions
        /// K−1, K−1+N, …; `onboard sweep merge` combines the shards' folders.
        #[arg(long, value_name = "K/N")]
        shard: Option<crate::sweep::Shard>,
        /// Output folder (default: results/sweep-<name>, reused by reruns).
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
        /// Write into --out even where another kind of command wrote (none of its
        /// files is deleted; files of the same name are replaced).
        #[arg(long)]
        force: bool,
    },
    /// Writes a log of a behaviour policy's decisions on a simulated cohort: one
    /// CSV row per user-day with the observation features, the action, its
    /// propensity, the reward and whether the row ends the user's episode (the
    /// schema: docs/log-schema.md). Warns when the behaviour is deterministic.
    ///
    /// Example: onboard log default --policy agents/configs/tour-recs-email.ron --epsilon 0.3 --users 5000 --out logs.csv
    Log {
        /// A built-in scenario name or a path to a RON file.
        scenario: String,
        /// The behaviour policy, as `run --policy` takes it.
        #[arg(long, default_value = "random")]
        policy: String,
        /// Share of uniform exploration mixed into the policy, in [0, 1].
        #[arg(long, default_value_t = 0.0)]
        epsilon: f64,
        /// Users in a cohort that signs up on day 0.
        #[arg(long, default_value_t = 10_000)]
        users: usize,
        /// Seed (default: the scenario's).
        #[arg(long)]
        seed: Option<u64>,
        /// Also write the behaviour's probability of every action (prob:<action>).
        #[arg(long)]
        every_probability: bool,
        /// The CSV file to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// Estimates what a target policy would have earned from a log of another
    /// policy's decisions: per-decision (DM, IPS, clipped IPS, SNIPS, DR, SNDR,
    /// Switch-DR, DR-OS, sub-Gaussian IPS and DR) and per-trajectory (trajectory IS, PDIS,
    /// WPDIS, sequential DR, weighted DR, FQE) estimators with intervals and
    /// diagnostics, each beside the behaviour's own value. Then it checks every
    /// estimator on the log's twin (logs simulated like it, against the
    /// simulator's truth) and recommends those that come near the truth with
    /// intervals that cover, or says that the log cannot answer; writes ope.csv
    /// (with a `recommended` column), forest plots and report.html.
    ///
    /// Example: onboard ope logs.csv --target recs --bootstrap 200
    Ope {
        /// The log (CSV; see docs/log-schema.md).
        log: PathBuf,
        /// The target policy, as `run --policy` takes it; without it, the log's
        /// pi_e column (a policy outside onboard).
        #[arg(long)]
        target: Option<String>,
        /// The scenario of the log's actions and features (for --target) and of
        /// its twin (default: the one `onboard log` recorded beside the log, else
        /// default).
        #[arg(long)]
        scenario: Option<String>,
        /// The behaviour that wrote the log, as `run --policy` takes it, for the
        /// twin (default: the one `onboard log` recorded beside the log).
        #[arg(long)]
        behaviour: Option<String>,
        /// The uniform exploration mixed into --behaviour, in [0, 1] (default 0).
        #[arg(long, requires = "behaviour")]
        epsilon: Option<f64>,
        /// Simulate no twin: nothing is then recommended.
        #[arg(long)]
        no_twin: bool,
        /// Simulated logs of the twin.
        #[arg(long, default_value_t = crate::ope::twin::DEFAULT_REPS)]
        twin_reps: usize,
        /// Users of each of the twin's truth cohorts.
        #[arg(long, default_value_t = crate::ope::twin::DEFAULT_TRUTH_USERS)]
        twin_truth_users: usize,
        /// The largest twin RMSE of a recommended estimator, in floors (the error
        /// of running the target on as many users).
        #[arg(long, default_value_t = crate::ope::twin::DEFAULT_TOLERANCE)]
        twin_tolerance: f64,
        /// Estimators, comma-separated (e.g. ips,clipped-ips:10,dr,pdis,fqe);
        /// default: all that the log supports.
        #[arg(long, value_delimiter = ',')]
        estimators: Vec<String>,
        /// The file's names for schema columns: SCHEMA=FILE,… (e.g. propensity=pscore).
        #[arg(long, default_value = "")]
        columns: String,
        /// Bootstrap replicates over users (0: none).
        #[arg(long, default_value_t = 200)]
        bootstrap: usize,
        /// Folds of the models' cross-fitting.
        #[arg(long, default_value_t = onboard_ope::ModelConfig::default().folds)]
        folds: usize,
        /// Ridge penalty of the linear reward and value models.
        #[arg(long, default_value_t = onboard_ope::ModelConfig::default().ridge, allow_negative_numbers = true)]
        ridge: f64,
        /// Interval level.
        #[arg(long, default_value_t = 0.95)]
        level: f64,
        /// Seed of the bootstrap.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Output folder (default: results/ope-<timestamp>).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Write into --out even where another kind of command wrote (none of its
        /// files is deleted; files of the same name are replaced).
        #[arg(long)]
        force: bool,
    },
    /// Checks every off-policy estimator against the simulator's truth: simulates
    /// logs of the behaviour REPS times, estimates the target on each, and reports
    /// bias, standard deviation, RMSE and interval coverage per estimator.
    ///
    /// Example: onboard ope-bench default --behaviour agents/configs/tour-recs-email.ron --epsilon 0.3 --target recs --reps 50 --users 2000
    OpeBench {
        /// A built-in scenario name or a path to a RON file.
        scenario: String,
        /// The behaviour policy, as `run --policy` takes it.
        #[arg(long)]
        behaviour: String,
        /// Share of uniform exploration mixed into the behaviour.
        #[arg(long, default_value_t = 0.3)]
        epsilon: f64,
        /// The target policy.
        #[arg(long)]
        target: String,
        /// Simulated logs.
        #[arg(long, default_value_t = 50)]
        reps: usize,
        /// Users per log.
        #[arg(long, default_value_t = 2_000)]
        users: usize,
        /// Users in each truth cohort.
        #[arg(long, default_value_t = 100_000)]
        truth_users: usize,
        /// Bootstrap replicates per log (0: none).
        #[arg(long, default_value_t = 0)]
        bootstrap: usize,
        /// Estimators, comma-separated; default: all.
        #[arg(long, value_delimiter = ',')]
        estimators: Vec<String>,
        /// Ridge penalty of the linear reward and value models.
        #[arg(long, default_value_t = onboard_ope::ModelConfig::default().ridge, allow_negative_numbers = true)]
        ridge: f64,
        /// Seed (default: the scenario's).
        #[arg(long)]
        seed: Option<u64>,
        /// Output folder (default: results/ope-bench-<timestamp>).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Write into --out even where another kind of command wrote (none of its
        /// files is deleted; files of the same name are replaced).
        #[arg(long)]
        force: bool,
    },
    /// Plans a log before it is written: for every design of a grid (exploration
    /// share × users), simulates REPS logs of the behaviour and finds whether some
    /// estimator gets the target's return per user within ±WITHIN % with intervals
    /// that cover; reports the cheapest design that does, a table and a heatmap.
    ///
    /// Example: onboard ope-plan default --behaviour agents/configs/tour-recs-email.ron --target agents/configs/tour-recs-email-coupons.ron --within 20
    OpePlan {
        /// A built-in scenario name or a path to a RON file.
        scenario: String,
        /// The behaviour policy that will write the log, as `run --policy` takes it.
        #[arg(long)]
        behaviour: String,
        /// The target policy.
        #[arg(long)]
        target: String,
        /// Exploration shares to try, comma-separated, each in [0, 1].
        #[arg(long, value_delimiter = ',', default_value = "0.05,0.1,0.2,0.3")]
        epsilons: Vec<f64>,
        /// Users per log to try, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "1000,2000,5000,10000")]
        users: Vec<usize>,
        /// The precision asked for, in percent of the value.
        #[arg(long, default_value_t = 10.0)]
        within: f64,
        /// Simulated logs per design.
        #[arg(long, default_value_t = 20)]
        reps: usize,
        /// Users in each truth cohort.
        #[arg(long, default_value_t = 50_000)]
        truth_users: usize,
        /// Seed (default: the scenario's).
        #[arg(long)]
        seed: Option<u64>,
        /// Output folder (default: results/ope-plan-<timestamp>).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Write into --out even where another kind of command wrote (none of its
        /// files is deleted; files of the same name are replaced).
        #[arg(long)]
        force: bool,
    },
    /// Lists the built-in scenarios.
    ///
    /// Example: onboard scenarios
    Scenarios,
}

/// What `onboard sweep` does besides running a spec.
#[derive(Debug, Subcommand)]
pub enum SweepAction {
    /// Combines the folders of a sweep's shards (`--shard K/N`) into the table and
    /// charts a single run gives.
    ///
    /// Example: onboard sweep merge results/sweep-coupon-shard-1-of-2 results/sweep-coupon-shard-2-of-2
    Merge {
        /// The shards' folders.
        #[arg(required = true)]
        folders: Vec<PathBuf>,
        /// Output folder (default: results/sweep-<name>).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Writes a Slurm job array that runs the sweep in N shards, and a merge job
    /// that runs once every shard has succeeded (--dependency=afterok); --submit
    /// submits both and prints their job ids. The table lands in the sweep's folder.
    ///
    /// Example: onboard sweep slurm experiments/sweep-coupon.ron --array 4 --submit
    Slurm {
        /// The sweep spec.
        spec: PathBuf,
        /// Shards, one array task each.
        #[arg(long, value_name = "N")]
        array: usize,
        /// Slurm partition (default: the cluster's default).
        #[arg(long, value_name = "P")]
        partition: Option<String>,
        /// Time limit per task, as sbatch takes it (e.g. 30, 2:00:00).
        #[arg(long, value_name = "T")]
        time: Option<String>,
        /// CPUs per task, also the cells each shard runs at once.
        #[arg(long, value_name = "C", default_value_t = 1)]
        cpus: usize,
        /// Submit the array and the merge job with sbatch.
        #[arg(long)]
        submit: bool,
        /// The sweep's folder (default: results/sweep-<name>).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Demo {
            users,
            dqn_cohorts,
            bandit_cohorts,
            training_users,
            eval_users,
            replicates,
            out,
            force,
        } => {
            let options = DemoOptions {
                dqn_cohorts,
                bandit_cohorts,
                training_users,
                eval_users,
                users,
                replicates,
                out,
                force,
                quiet: cli.quiet,
            };
            let result = run_demo(&options)?;
            println!(
                "default scenario, {users} users per arm (the same users in every arm); 95 % intervals"
            );
            print!("{}", table::render_experiment(&result.analysis));
            println!(
                "report written to {}",
                result.folder.join("report.html").display()
            );
            Ok(())
        }
        Command::Run {
            scenario,
            policy,
            users,
            launch,
            seed,
            out,
            force,
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
                Output { out, force },
                cli.quiet,
            )
        }
        Command::Train {
            scenario,
            agent,
            cohorts,
            users,
            eval_users,
            eval_every,
            online,
            at_signup,
            seed,
            agent_seed,
            privileged,
            out,
            force,
            resume,
        } => {
            let outcome = match (resume, scenario, agent) {
                (Some(folder), _, _) => resume_training(&folder, cli.quiet)?,
                (None, Some(scenario), Some(agent)) => {
                    let scenario = Scenario::load(&scenario)?;
                    let config = AgentConfig::from_file(&agent)?;
                    let name = agent
                        .file_stem()
                        .map_or("agent".to_string(), |s| s.to_string_lossy().into_owned());
                    let mut options = TrainOptions::new(scenario, config, name, PathBuf::new());
                    options.plan = TrainingPlan {
                        cohorts,
                        users,
                        eval_users,
                        eval_every,
                        online,
                        decide_at_signup: at_signup,
                    };
                    options.seed = seed.unwrap_or(options.seed);
                    options.agent_seed = agent_seed;
                    options.privileged = privileged;
                    options.quiet = cli.quiet;
                    // Before the folder is made: a run refused leaves nothing behind.
                    options.check()?;
                    if let Some(out) = &out {
                        crate::train::resume::check_no_interrupted_run(out, force)?;
                    }
                    let default_name = format!("{}-{}", options.scenario.name, options.agent_name);
                    let writer = Writer {
                        command: "train",
                        force,
                    };
                    options.out = run_folder(out.as_deref(), &default_name, writer)?;
                    train_agent(&options)?
                }
                _ => bail!("train needs a scenario and --agent, or --resume DIR"),
            };
            print!("{}", outcome.summary());
            Ok(())
        }
        Command::Sweep {
            action: Some(SweepAction::Merge { folders, out }),
            ..
        } => {
            let outcome = crate::sweep::merge(&folders, out.as_deref())?;
            print!("{}", outcome.summary());
            Ok(())
        }
        Command::Sweep {
            action:
                Some(SweepAction::Slurm {
                    spec,
                    array,
                    partition,
                    time,
                    cpus,
                    submit,
                    out,
                }),
            ..
        } => {
            let options = crate::sweep::SlurmOptions {
                array,
                partition,
                time,
                cpus,
                submit,
            };
            let outcome = crate::sweep::write_slurm(&spec, out.as_deref(), &options)?;
            print!("{}", outcome.summary());
            Ok(())
        }
        Command::Sweep {
            action: None,
            spec,
            jobs,
            shard,
            out,
        } => {
            let spec = spec.ok_or_else(|| anyhow::anyhow!("sweep needs a spec file"))?;
            let jobs = jobs.unwrap_or_else(|| {
                std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
            });
            let outcome = crate::sweep::run_sweep(&spec, jobs, out.as_deref(), shard, cli.quiet)?;
            print!("{}", outcome.summary());
            Ok(())
        }
        Command::Ab {
            experiment,
            out,
            force,
        } => {
            let writer = Writer {
                command: "ab",
                force,
            };
            let result = run_experiment_file(&experiment, out.as_deref(), writer, cli.quiet)?;
            print!("{}", table::render_experiment(&result.analysis));
            println!(
                "report written to {}",
                result.folder.join("report.html").display()
            );
            Ok(())
        }
        Command::Log {
            scenario,
            policy,
            epsilon,
            users,
            seed,
            every_probability,
            out,
        } => {
            let plan = crate::ope::log_command::LogPlan {
                policy,
                epsilon,
                users,
                seed,
                every_probability,
                out,
            };
            let summary = crate::ope::log_command::write_log(
                Scenario::load(&scenario)?,
                &scenario,
                &plan,
                cli.quiet,
            )?;
            println!(
                "{} decisions written to {}",
                summary.rows,
                summary.path.display()
            );
            if let Some(warning) = summary.warning() {
                eprintln!("{warning}");
            }
            Ok(())
        }
        Command::Ope {
            log,
            target,
            scenario,
            behaviour,
            epsilon,
            no_twin,
            twin_reps,
            twin_truth_users,
            twin_tolerance,
            estimators,
            columns,
            bootstrap,
            folds,
            ridge,
            level,
            seed,
            out,
            force,
        } => {
            let plan = crate::ope::evaluate::EvaluationPlan {
                estimators,
                bootstrap,
                seed,
                level,
                model: onboard_ope::ModelConfig { folds, ridge },
            };
            let twin = (!no_twin).then_some(crate::ope::TwinOptions {
                reps: twin_reps,
                truth_users: twin_truth_users,
                tolerance: twin_tolerance,
            });
            let command = crate::ope::OpeCommand {
                log,
                target,
                scenario,
                behaviour: behaviour.map(|b| (b, epsilon.unwrap_or(0.0))),
                twin,
                columns,
                plan,
                out,
                force,
            };
            let outcome = crate::ope::run_ope(&command, cli.quiet)?;
            print!(
                "{}",
                crate::ope::outputs::render(&outcome.evaluation, &outcome.twin)
            );
            println!(
                "report written to {}",
                outcome.folder.join("report.html").display()
            );
            Ok(())
        }
        Command::OpeBench {
            scenario,
            behaviour,
            epsilon,
            target,
            reps,
            users,
            truth_users,
            bootstrap,
            estimators,
            ridge,
            seed,
            out,
            force,
        } => {
            let evaluation = crate::ope::evaluate::EvaluationPlan {
                estimators,
                bootstrap,
                seed: 0,
                level: onboard_ope::DEFAULT_LEVEL,
                model: onboard_ope::ModelConfig {
                    ridge,
                    ..onboard_ope::ModelConfig::default()
                },
            };
            let plan = crate::ope::bench::BenchPlan {
                behaviour,
                epsilon,
                target,
                reps,
                users,
                truth_users,
                seed,
                evaluation,
            };
            let scenario = Scenario::load(&scenario)?;
            plan.check()?;
            let writer = Writer {
                command: "ope-bench",
                force,
            };
            let folder = run_folder(out.as_deref(), "ope-bench", writer)?;
            let title = format!(
                "ope-bench on {}: {} under {}",
                scenario.name, plan.target, plan.behaviour
            );
            let result = crate::ope::bench::run_bench(scenario, &plan, cli.quiet)?;
            print!("{}", crate::ope::bench::render(&result));
            let report = crate::ope::bench::write(&folder, &title, &result)?;
            println!("report written to {}", report.display());
            Ok(())
        }
        Command::OpePlan {
            scenario,
            behaviour,
            target,
            epsilons,
            users,
            within,
            reps,
            truth_users,
            seed,
            out,
            force,
        } => {
            let grid = crate::ope::plan::PlanGrid {
                behaviour,
                target,
                epsilons,
                users,
                within: within / 100.0,
                reps,
                truth_users,
                seed,
                evaluation: crate::ope::evaluate::EvaluationPlan {
                    estimators: onboard_ope::TRAJECTORY_ESTIMATORS
                        .iter()
                        .map(|e| e.to_string())
                        .collect(),
                    bootstrap: 0,
                    seed: 0,
                    level: onboard_ope::DEFAULT_LEVEL,
                    model: onboard_ope::ModelConfig::default(),
                },
            };
            let scenario = Scenario::load(&scenario)?;
            grid.check()?;
            let writer = Writer {
                command: "ope-plan",
                force,
            };
            let folder = run_folder(out.as_deref(), "ope-plan", writer)?;
            let title = format!(
                "ope-plan on {}: {} from logs of {}",
                scenario.name, grid.target, grid.behaviour
            );
            let result = crate::ope::plan::run_plan(scenario, &grid, cli.quiet)?;
            let target = crate::policies::policy_label(&grid.target);
            print!("{}", crate::ope::plan::render(&result, &target));
            let report = crate::ope::plan::write(&folder, &title, &result, &target)?;
            println!("report written to {}", report.display());
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

/// Where `run` writes: `--out` and `--force`.
struct Output {
    out: Option<PathBuf>,
    force: bool,
}

fn simulate_policy(
    scenario: Scenario,
    action: &str,
    population: Population,
    seed: Option<u64>,
    output: Output,
    quiet: bool,
) -> Result<()> {
    let name = scenario.name.clone();
    let seed = seed.unwrap_or(scenario.seed);
    let model = Arc::new(Model::new(scenario)?);
    let mut policy = policy_from_spec(action, &model, seed)?;
    let simulation = simulate(Arc::clone(&model), seed, population, policy.as_mut(), quiet)?;
    let writer = Writer {
        command: "run",
        force: output.force,
    };
    let folder = run_folder(output.out.as_deref(), &name, writer)?;
    let csv = folder.join("metrics.csv");
    write_metrics_csv(&csv, &simulation.metrics)
        .with_context(|| format!("writing the results of '{name}'"))?;
    let label: String = policy
        .name()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    write_cohort_plots(&folder, &model, &[(&label, &simulation)])?;
    let population_fact = match population {
        Population::Cohort { users } => format!("a cohort of {users} users"),
        Population::Launch { days } => format!("a launch: arrivals for {days} days"),
    };
    let report = report::write_run(
        &folder,
        model.scenario(),
        &RunReport {
            title: format!("{name} under {}", policy.name()),
            facts: vec![
                ("policy", policy.name().to_string()),
                ("population", population_fact),
                ("seed", seed.to_string()),
            ],
            lines: Vec::new(),
            figures: Vec::new(),
            simulation: Some((&label, &simulation)),
        },
    )?;
    println!("scenario {name}, policy {}, seed {seed}", policy.name());
    print!("{}", table::render(&simulation.metrics));
    println!("metrics by day written to {}", csv.display());
    println!("report written to {}", report.display());
    Ok(())
}
