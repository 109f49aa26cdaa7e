//! The options an agent chooses among, named by users: a scenario's joint actions
//! (resolved by [`find_action`], so `recs`, `push+coupon` or `nothing` name one) or
//! its journey templates (by exact name).

use crate::error::AgentError;
use onboard_envs::{NONE, NOTHING, SEPARATOR, find_action};

/// The index among `options` of the one `spec` names; an unknown name is an error at
/// `path` that calls it an unknown `noun` and lists what could be named.
pub(crate) fn resolve(
    options: &[String],
    spec: &str,
    path: String,
    noun: &str,
) -> Result<usize, AgentError> {
    find_action(options, spec).ok_or_else(|| AgentError::Invalid {
        path,
        rule: format!("unknown {noun} '{spec}' ({})", describe_options(options)),
    })
}

/// What may name one of `options`, for error messages. For joint actions (names with
/// parts joined by `+`): the levers, kind by kind, and how to join them; otherwise
/// (journey templates, or a scenario with levers of one kind) the names themselves.
pub fn describe_options(options: &[String]) -> String {
    if !options.iter().any(|o| o.contains(SEPARATOR)) {
        return format!("options: {}", options.join(", "));
    }
    let parts: Vec<Vec<&str>> = options
        .iter()
        .map(|o| o.split(SEPARATOR).collect())
        .collect();
    let kinds = parts.iter().map(Vec::len).max().unwrap_or(0);
    let mut levers: Vec<&str> = Vec::new();
    for kind in 0..kinds {
        for part in parts.iter().filter_map(|p| p.get(kind)) {
            if *part != NONE && !levers.contains(part) {
                levers.push(part);
            }
        }
    }
    let example = options
        .last()
        .map_or(String::new(), |last| format!(" (e.g. '{last}')"));
    format!(
        "levers: {}; join levers of different kinds with '{SEPARATOR}'{example}, or '{NOTHING}' for none",
        levers.join(", ")
    )
}
