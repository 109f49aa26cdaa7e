//! The experiment file: which scenario, which arms, how users are assigned, how
//! many, and how many replicate split tests of which arm feed the power curve.

use crate::policies::PRIOR_PREFIX;
use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// How users meet the arms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Assignment {
    /// Every arm sees the same users with the same luck (common random numbers):
    /// differences are paired per user, and noise cancels.
    #[default]
    Paired,
    /// Each arm gets its own independent users, as a real split test would.
    Split,
}

/// One arm: a name and a policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Arm {
    /// Name in tables, plots and file names.
    pub name: String,
    /// An action name, `random`, a saved learner (`.ot`, `.agent.ron`), a baseline
    /// agent file (`.ron`: rules, constant, random) or `prior:` and a learning agent's
    /// file (see [`crate::policies::policy_from_spec`]); a relative path not found
    /// from the current folder is read from the experiment file's folder.
    pub policy: String,
}

/// An A/B/n experiment, as written in RON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Experiment {
    /// Short name, used for the default output folder.
    pub name: String,
    /// A built-in scenario name or a scenario file (found like arm files).
    pub scenario: String,
    /// The arms; at least two.
    pub arms: Vec<Arm>,
    /// The arm lifts are measured against (default: the first).
    #[serde(default)]
    pub control: Option<String>,
    /// Paired (common random numbers) or split users.
    #[serde(default)]
    pub assignment: Assignment,
    /// Users per arm.
    pub users: usize,
    /// Seed of the users (default: the scenario's).
    #[serde(default)]
    pub seed: Option<u64>,
    /// Replicate split tests per sample size for the power curve (0: none).
    #[serde(default)]
    pub replicates: usize,
    /// The arm whose split test against the control the power curve simulates,
    /// fixed before the experiment runs. Default: the arm with the best observed
    /// profit, whose effect is then measured again on a pilot of fresh users (the
    /// observed best is biased upwards: the winner's curse).
    #[serde(default)]
    pub power_arm: Option<String>,
}

/// Fewest users per arm an experiment may ask for: below it the normal
/// approximation of every interval is off, whatever the metric.
pub const MIN_USERS: usize = crate::stats::MIN_USERS as usize;
/// The most power-curve replicates per size: at 10,000 the power's 95 % interval is
/// within ±1 point, and more only costs time.
pub const MAX_REPLICATES: usize = 10_000;

/// Most users per arm an experiment may ask for: what one simulation may hold.
pub const MAX_USERS: usize = crate::simulate::MAX_USERS as usize;

impl Experiment {
    /// Reads and checks an experiment file; errors name the file and the field.
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("{}: cannot read", path.display()))?;
        let experiment: Self = onboard_agents::from_ron(&text, &path.display().to_string())?;
        experiment
            .check()
            .with_context(|| path.display().to_string())?;
        Ok(experiment)
    }

    /// Checks the fields against each other and their ranges; errors name the field.
    pub fn check(&self) -> Result<()> {
        if self.arms.len() < 2 {
            bail!(
                "arms: an experiment needs at least two arms, got {}",
                self.arms.len()
            );
        }
        for (i, arm) in self.arms.iter().enumerate() {
            if arm.name.trim().is_empty() || !arm.name.chars().all(is_file_safe) {
                bail!(
                    "arms[{i}].name: '{}' must be non-empty letters, digits, '-' or '_'",
                    arm.name
                );
            }
            if self.arms[..i].iter().any(|a| a.name == arm.name) {
                bail!("arms[{i}].name: '{}' is used twice", arm.name);
            }
        }
        if let Some(control) = &self.control
            && !self.arms.iter().any(|a| &a.name == control)
        {
            bail!("control: '{control}' is not one of the arms");
        }
        if let Some(arm) = &self.power_arm {
            if !self.arms.iter().any(|a| &a.name == arm) {
                bail!("power_arm: '{arm}' is not one of the arms");
            }
            if self.arms[self.control_index()].name == *arm {
                bail!("power_arm: '{arm}' is the control; name an arm to test against it");
            }
        }
        if self.replicates > MAX_REPLICATES {
            bail!(
                "replicates: at most {MAX_REPLICATES} simulated tests per size of the power \
                 curve (the power's 95 % interval is then within ±1 point), got {}",
                self.replicates
            );
        }
        if !(MIN_USERS..=MAX_USERS).contains(&self.users) {
            bail!(
                "users: must lie in [{MIN_USERS}, {MAX_USERS}] (fewer users per arm give no \
                 interval worth reading), got {}",
                self.users
            );
        }
        Ok(())
    }

    /// Index of the control arm.
    pub fn control_index(&self) -> usize {
        self.control
            .as_ref()
            .and_then(|c| self.arms.iter().position(|a| &a.name == c))
            .unwrap_or(0)
    }
}

fn is_file_safe(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

/// `spec` as a path relative to `base` when it names a file (after
/// [`PRIOR_PREFIX`], if any), else unchanged.
pub fn resolve(spec: &str, base: &Path) -> String {
    if let Some(file) = spec.strip_prefix(PRIOR_PREFIX) {
        return format!("{PRIOR_PREFIX}{}", resolve(file, base));
    }
    let is_file = [".ron", ".ot"].iter().any(|e| spec.ends_with(e));
    let path = PathBuf::from(spec);
    if is_file && path.is_relative() && !path.exists() {
        base.join(path).display().to_string()
    } else {
        spec.to_string()
    }
}
