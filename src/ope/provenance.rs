//! What wrote a log: `onboard log` leaves `<log>.onboard.json` beside the CSV,
//! naming the scenario, the behaviour and its exploration, so that `onboard ope`
//! can simulate the log's twin without being told them again.

use crate::output::write_json;
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The scenario, behaviour and exploration a log was simulated with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provenance {
    /// The scenario, as `onboard log` took it (a file as an absolute path).
    pub scenario: String,
    /// The behaviour policy, as `run --policy` takes it (a file as an absolute path).
    pub behaviour: String,
    /// The uniform exploration mixed into it.
    pub epsilon: f64,
    /// Users in the log.
    pub users: usize,
    /// The seed of the simulation.
    pub seed: u64,
}

/// Where the provenance of `log` lies: beside it, its name with `.onboard.json`
/// added.
pub fn path_of(log: &Path) -> PathBuf {
    let mut name = log.as_os_str().to_owned();
    name.push(".onboard.json");
    PathBuf::from(name)
}

/// `spec` as a provenance keeps it: an existing file as its absolute path (the log
/// may be evaluated from another folder), anything else (a built-in name) as it is.
pub fn resolved(spec: &str) -> String {
    std::fs::canonicalize(spec)
        .ok()
        .filter(|p| p.is_file())
        .and_then(|p| p.to_str().map(str::to_string))
        .unwrap_or_else(|| spec.to_string())
}

/// Writes `provenance` beside `log`, whole or not at all.
pub fn write(log: &Path, provenance: &Provenance) -> Result<()> {
    Ok(write_json(&path_of(log), provenance)?)
}

/// The provenance beside `log`, if there is one; an unreadable one is an error
/// naming its file.
pub fn read(log: &Path) -> Result<Option<Provenance>> {
    let path = path_of(log);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    let provenance = serde_json::from_str(&text).with_context(|| {
        format!(
            "{}: not the record of a log onboard wrote (delete it, or give --scenario, \
             --behaviour and --epsilon)",
            path.display()
        )
    })?;
    Ok(Some(provenance))
}
