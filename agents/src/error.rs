//! Errors of agent configurations and of saved agent states.

use crate::dqn::checkpoint::CheckpointError;
use crate::files::WriteError;
use std::path::PathBuf;

/// Why an agent could not be configured, saved or loaded.
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    /// The RON text is not a well-formed configuration.
    #[error("{origin}:{line}:{column}: {message}")]
    Parse {
        /// The file or name it came from.
        origin: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the parser expected.
        message: String,
    },
    /// A value breaks a rule: the field path and the rule.
    #[error("{path}: {rule}")]
    Invalid {
        /// Field path, e.g. `rules[2].when[0].feature`.
        path: String,
        /// The rule broken and the value found.
        rule: String,
    },
    /// A saved agent state could not be written or read, or is not one.
    #[error("{}: {problem}", path.display())]
    State {
        /// The file.
        path: PathBuf,
        /// What went wrong, and what was expected.
        problem: String,
    },
    /// A DQN checkpoint could not be written or read.
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    /// A learner's state could not be encoded as the bytes of its file.
    #[error("the learner's state cannot be encoded: {0}")]
    Encode(String),
    /// A saved state could not be written.
    #[error(transparent)]
    Write(#[from] WriteError),
}

/// Parses RON text into `T` (a leading byte-order mark aside), naming `origin`,
/// line and column on error. Optional
/// fields take a plain value (`final_learning_rate: 0.00002`), no `Some(…)` needed,
/// and an enum variant wraps its struct's fields directly (`LinUcb(alpha: 1.0, …)`).
pub fn from_ron<T: serde::de::DeserializeOwned>(text: &str, origin: &str) -> Result<T, AgentError> {
    let text = onboard_envs::without_byte_order_mark(text);
    ron_options().from_str(text).map_err(|e| AgentError::Parse {
        origin: origin.to_string(),
        line: e.span.start.line,
        column: e.span.start.col,
        message: onboard_envs::parse_message(&e.code.to_string()),
    })
}

/// The RON dialect of agent files, configurations and saved states alike: optional
/// fields take a plain value, and an enum variant wraps its struct's fields directly.
pub(crate) fn ron_options() -> ron::Options {
    ron::Options::default().with_default_extension(
        ron::extensions::Extensions::IMPLICIT_SOME
            | ron::extensions::Extensions::UNWRAP_VARIANT_NEWTYPES,
    )
}
