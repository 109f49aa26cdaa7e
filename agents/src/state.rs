//! Saved agent states: what [`save_agent`] writes ([`Learner::to_bytes`]) and
//! [`load_agent`] reads.
//!
//! DQN saves a libtorch checkpoint ([`Dqn::save`], a zip archive; by convention
//! `.ot`). Every other agent saves a RON file (by convention `.agent.ron`):
//! `SavedAgent(format: 1, agent: <Kind>(…))`, the agent's whole state (statistics,
//! counters, cached probabilities, generator states), so that the loaded agent
//! acts, freezes and learns on exactly as the saved one. [`load_agent`] tells the
//! two apart by content (a zip archive starts with `PK`) or by the `.ot`
//! extension.

use crate::AgentConfig;
use crate::dqn::Dqn;
use crate::error::{AgentError, ron_options};
use crate::files::write_atomically;
use crate::policy::Learner;
pub(crate) use crate::registry::AgentState;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The extension of a DQN checkpoint.
pub const CHECKPOINT_EXTENSION: &str = "ot";
/// The extension of any other agent's saved state.
pub const STATE_EXTENSION: &str = "agent.ron";

/// The version of the RON state layout this build writes and reads.
const FORMAT: u32 = 1;

/// What a saved learner decides: when, and among which options, by name. Saved
/// with its state, so that a learner is used only where it fits: a learner trained
/// to choose journeys at signup is not a per-day policy, even where the counts
/// happen to match, and one trained on other actions is not taken for this
/// scenario's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decisions {
    /// Once per user at signup, among journey templates (`train --at-signup`),
    /// rather than every user-day among actions.
    pub at_signup: bool,
    /// The options' names, in the learner's order.
    pub options: Vec<String>,
}

impl Decisions {
    /// What this means in words: `4 actions each user-day (none+none, none+coupon,
    /// …)`, the first six names shown.
    pub fn describe(&self) -> String {
        let (what, when) = if self.at_signup {
            ("journeys", "once per user at signup")
        } else {
            ("actions", "each user-day")
        };
        const SHOWN: usize = 6;
        let mut names = self.options[..self.options.len().min(SHOWN)].join(", ");
        if self.options.len() > SHOWN {
            names.push_str(&format!(", … {} more", self.options.len() - SHOWN));
        }
        format!("{} {what} {when} ({names})", self.options.len())
    }
}

/// A saved state file: the layout version, what the agent decides (absent in files
/// of earlier versions) and the agent.
#[derive(Debug, Serialize, Deserialize)]
struct SavedAgent {
    format: u32,
    #[serde(default)]
    decisions: Option<Decisions>,
    agent: AgentState,
}

fn state_error(path: &Path, problem: impl Into<String>) -> AgentError {
    AgentError::State {
        path: path.to_path_buf(),
        problem: problem.into(),
    }
}

/// `agent`, deciding `decisions`, as the text of a RON state file.
pub(crate) fn state_bytes(agent: AgentState, decisions: &Decisions) -> Result<Vec<u8>, AgentError> {
    let saved = SavedAgent {
        format: FORMAT,
        decisions: Some(decisions.clone()),
        agent,
    };
    let pretty = ron::ser::PrettyConfig::default()
        .struct_names(true)
        .compact_arrays(true);
    let text = ron_options()
        .to_string_pretty(&saved, pretty)
        .map_err(|e| AgentError::Encode(e.to_string()))?;
    Ok(text.into_bytes())
}

/// Writes `learner`'s whole state ([`Learner::to_bytes`]), deciding `decisions`, to
/// `path`, atomically: an interruption or a full disk leaves the previous file
/// whole, or none.
pub fn save_agent(
    learner: &dyn Learner,
    decisions: &Decisions,
    path: &Path,
) -> Result<(), AgentError> {
    let bytes = learner.to_bytes(decisions)?;
    write_atomically(path, |partial| std::fs::write(partial, &bytes))?;
    Ok(())
}

/// A learner read back from its file, with what it decides (`None` in files of
/// earlier versions, which did not record it).
pub struct SavedLearner {
    /// The learner.
    pub learner: Box<dyn Learner>,
    /// What it decides.
    pub decisions: Option<Decisions>,
}

/// Reads the learner of an agent saved by [`save_agent`] ([`load_saved`], without
/// what it decides).
pub fn load_agent(path: &Path) -> Result<Box<dyn Learner>, AgentError> {
    Ok(load_saved(path)?.learner)
}

/// Reads an agent saved by [`save_agent`]: a DQN checkpoint (a zip archive, or a
/// file named `*.ot`) or a RON agent state. Errors name the file and say what was
/// expected; a learner whose state holds NaN or infinity (it diverged) is refused.
pub fn load_saved(path: &Path) -> Result<SavedLearner, AgentError> {
    let bytes = std::fs::read(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => state_error(path, "no such file"),
        _ => state_error(path, format!("cannot be read: {e}")),
    })?;
    let is_checkpoint = path
        .extension()
        .is_some_and(|extension| extension == CHECKPOINT_EXTENSION);
    let saved = if bytes.starts_with(b"PK") || is_checkpoint {
        let (dqn, decisions) = Dqn::from_bytes(&bytes, path)?;
        SavedLearner {
            learner: Box::new(dqn),
            decisions,
        }
    } else {
        read_state(path, bytes)?
    };
    match saved.learner.non_finite() {
        Some(what) => Err(state_error(
            path,
            format!("holds a learner that diverged ({what} not finite): it cannot act"),
        )),
        None => Ok(saved),
    }
}

/// The learner of the RON agent state `bytes`, read from `path`.
fn read_state(path: &Path, bytes: Vec<u8>) -> Result<SavedLearner, AgentError> {
    let expected = "expected a saved agent state (`SavedAgent(format: 1, agent: …)`, as \
                    `onboard train` writes it) or a DQN checkpoint";
    let text = String::from_utf8(bytes)
        .map_err(|_| state_error(path, format!("neither text nor a zip archive: {expected}")))?;
    let origin = path.display().to_string();
    let text = onboard_envs::without_byte_order_mark(&text);
    let saved: SavedAgent = ron_options().from_str(text).map_err(|e| {
        if AgentConfig::from_ron(text, &origin).is_ok() {
            return state_error(
                path,
                "is an agent configuration, not a saved agent state: train it \
                 (`onboard train`) to get one",
            );
        }
        state_error(
            path,
            format!(
                "not a saved agent state ({expected}): {}:{}: {}",
                e.span.start.line,
                e.span.start.col,
                onboard_envs::parse_message(&e.code.to_string())
            ),
        )
    })?;
    if saved.format != FORMAT {
        return Err(state_error(
            path,
            format!(
                "saved in state format {}, this build reads format {FORMAT}",
                saved.format
            ),
        ));
    }
    Ok(SavedLearner {
        learner: saved.agent.into_learner(),
        decisions: saved.decisions,
    })
}

/// Whether `path` is named as a saved agent (`*.ot` or `*.agent.ron`), by convention.
pub fn is_saved_agent(path: &Path) -> bool {
    let name = path.file_name().map(|n| n.to_string_lossy());
    name.is_some_and(|name| {
        name.ends_with(&format!(".{CHECKPOINT_EXTENSION}"))
            || name.ends_with(&format!(".{STATE_EXTENSION}"))
    })
}
