//! One RON file for any agent: [`AgentConfig`] (declared by [`crate::registry`])
//! names the kind of agent and holds its hyperparameters; here it is read and
//! checked.

use crate::error::{AgentError, from_ron};
use crate::registry::AgentConfig;
use std::path::Path;

impl AgentConfig {
    /// Parses and validates RON text; errors name `origin`, the line and the field.
    pub fn from_ron(text: &str, origin: &str) -> Result<Self, AgentError> {
        let config: Self = from_ron(text, origin)?;
        config.validate().map_err(|error| match error {
            AgentError::Invalid { path, rule } => AgentError::Invalid {
                path: format!("{origin}: {path}"),
                rule,
            },
            other => other,
        })?;
        Ok(config)
    }

    /// Reads, parses and validates a RON file.
    pub fn from_file(path: &Path) -> Result<Self, AgentError> {
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| AgentError::Invalid {
            path: origin.clone(),
            rule: format!("cannot be read: {e}"),
        })?;
        Self::from_ron(&text, &origin)
    }
}
