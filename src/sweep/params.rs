//! Where a swept parameter's value goes: a path into one of three documents, each
//! the serde value of what it names, so that every numeric field is addressable
//! without a hand-written list.
//!
//! - `scenario.<field path>`: the scenario (e.g. `scenario.levers[1].cost`);
//! - `agent.<field path>`: the agent of a `Train` base (e.g. `agent.alpha`,
//!   `agent.learning_rate`), without its kind (`LinUcb`, `Dqn`);
//! - `experiment.<field>`: the base experiment itself (e.g. `experiment.users`,
//!   `experiment.cohorts`), without its kind (`Run`, `Train`).
//!
//! A field path is names joined by `.`, each with optional indices (`levers[1]`).

use anyhow::{Result, anyhow, bail};
use serde_json::Value;

/// The documents a sweep's paths address, as serde values.
#[derive(Debug, Clone, PartialEq)]
pub struct Documents {
    /// The scenario.
    pub scenario: Value,
    /// The agent, for a base that trains one.
    pub agent: Option<Value>,
    /// The base experiment.
    pub experiment: Value,
}

/// Which document a path addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Document {
    Scenario,
    Agent,
    Experiment,
}

/// A checked path: its document and the JSON pointer to the number in it.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    document: Document,
    pointer: String,
}

impl Documents {
    /// The target of `path`, checked: the document exists and holds a number there.
    pub fn target(&self, path: &str) -> Result<Target> {
        let (document, rest) = match path.split_once('.') {
            Some(("scenario", rest)) => (Document::Scenario, rest),
            Some(("agent", rest)) => (Document::Agent, rest),
            Some(("experiment", rest)) => (Document::Experiment, rest),
            _ => bail!(
                "{path}: a path starts with `scenario.`, `agent.` or `experiment.` \
                 (e.g. scenario.levers[1].cost)"
            ),
        };
        let value = match document {
            Document::Scenario => &self.scenario,
            Document::Agent => self.agent.as_ref().ok_or_else(|| {
                anyhow!(
                    "{path}: the base experiment `{}` has no agent (a `Train` base has one)",
                    kind_name(&self.experiment)
                )
            })?,
            Document::Experiment => &self.experiment,
        };
        let pointer = format!("{}{}", variant_prefix(value), pointer(path, rest)?);
        match value.pointer(&pointer) {
            Some(Value::Number(_)) => Ok(Target { document, pointer }),
            Some(other) => bail!(
                "{path}: holds {}, not a number; only numbers can be swept",
                kind(other)
            ),
            None if document == Document::Scenario => {
                bail!("{path}: the scenario has no such field")
            }
            None => bail!(
                "{path}: `{}` has no such field (it has {})",
                kind_name(value),
                fields(value)
            ),
        }
    }

    /// A copy with `values[i]` put at `targets[i]`; a field that holds a whole
    /// number takes only whole numbers ≥ 0. `cell` names the cell in errors.
    pub fn with(&self, targets: &[Target], values: &[f64], cell: &str) -> Result<Documents> {
        let mut documents = self.clone();
        for (target, &value) in targets.iter().zip(values) {
            let document = match target.document {
                Document::Scenario => &mut documents.scenario,
                Document::Agent => documents
                    .agent
                    .as_mut()
                    .ok_or_else(|| anyhow!("cell {cell}: no agent"))?,
                Document::Experiment => &mut documents.experiment,
            };
            let slot = document
                .pointer_mut(&target.pointer)
                .ok_or_else(|| anyhow!("cell {cell}: no field {}", target.pointer))?;
            *slot = if slot.is_u64() {
                whole(value).map(Value::from).ok_or_else(|| {
                    anyhow!(
                        "cell {cell}: {} takes a whole number ≥ 0, got {value}",
                        target.pointer
                    )
                })?
            } else {
                Value::from(value)
            };
        }
        Ok(documents)
    }
}

/// The pointer prefix of an enum's kind, as serde writes it (`{"Dqn": {…}}` gives
/// `/Dqn`), so that paths name fields without the kind.
fn variant_prefix(value: &Value) -> String {
    match value {
        Value::Object(map) if map.len() == 1 => match map.iter().next() {
            Some((name, Value::Object(_))) => format!("/{name}"),
            _ => String::new(),
        },
        _ => String::new(),
    }
}

/// The kind of an enum's value (`Run`, `Dqn`), or `record`.
fn kind_name(value: &Value) -> String {
    match value {
        Value::Object(map) if map.len() == 1 => map.keys().next().cloned().unwrap_or_default(),
        Value::String(name) => name.clone(),
        _ => "record".into(),
    }
}

/// The numeric fields at the top of `value` (below its kind), for error messages.
fn fields(value: &Value) -> String {
    let inner = value
        .as_object()
        .filter(|map| map.len() == 1)
        .and_then(|map| map.values().next())
        .unwrap_or(value);
    let names: Vec<&str> = inner
        .as_object()
        .map(|map| {
            map.iter()
                .filter(|(_, v)| v.is_number())
                .map(|(k, _)| k.as_str())
                .collect()
        })
        .unwrap_or_default();
    if names.is_empty() {
        "no number to sweep".into()
    } else {
        names.join(", ")
    }
}

/// Turns `levers[1].cost` into the JSON pointer `/levers/1/cost`.
fn pointer(path: &str, field_path: &str) -> Result<String> {
    let mut pointer = String::new();
    for segment in field_path.split('.') {
        let (name, indices) = segment
            .split_once('[')
            .map_or((segment, ""), |(n, rest)| (n, rest));
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            bail!(
                "{path}: '{segment}' is not a field name (expected e.g. scenario.levers[1].cost)"
            );
        }
        pointer.push('/');
        pointer.push_str(name);
        if !indices.is_empty() {
            for index in format!("[{indices}").split('[').skip(1) {
                let index = index
                    .strip_suffix(']')
                    .and_then(|i| i.parse::<usize>().ok())
                    .ok_or_else(|| {
                        anyhow!("{path}: '{segment}' has a malformed index (expected [0], [1], …)")
                    })?;
                pointer.push_str(&format!("/{index}"));
            }
        }
    }
    Ok(pointer)
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "a record",
    }
}

fn whole(value: f64) -> Option<u64> {
    (value >= 0.0 && value.fract() == 0.0 && value <= u64::MAX as f64).then_some(value as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn documents() -> Documents {
        Documents {
            scenario: json!({"levers": [{"cost": 0.5}, {"cost": 1.0, "name": "push"}]}),
            agent: Some(json!({"LinUcb": {"alpha": 1.0, "regularization": 1.0}})),
            experiment: json!({"Train": {"cohorts": 4, "users": 100, "agent": "a.ron"}}),
        }
    }

    #[test]
    fn paths_reach_numbers_in_every_document_without_the_kind() {
        let docs = documents();
        let targets: Vec<Target> = [
            "scenario.levers[1].cost",
            "agent.alpha",
            "experiment.cohorts",
        ]
        .iter()
        .map(|p| docs.target(p).expect(p))
        .collect();
        let changed = docs.with(&targets, &[2.5, 0.1, 8.0], "c").expect("applied");
        assert_eq!(changed.scenario["levers"][1]["cost"], json!(2.5));
        assert_eq!(changed.agent.expect("agent")["LinUcb"]["alpha"], json!(0.1));
        assert_eq!(changed.experiment["Train"]["cohorts"], json!(8));
        let error = docs
            .with(&targets[2..], &[2.5], "c")
            .expect_err("a fraction of a cohort");
        assert!(error.to_string().contains("whole number"), "{error}");
    }

    #[test]
    fn bad_paths_name_the_path_and_what_is_there() {
        let docs = documents();
        for (path, says) in [
            ("scenario.levers[2].cost", "the scenario has no such field"),
            ("scenario.levers[1].name", "holds text, not a number"),
            (
                "agent.beta",
                "`LinUcb` has no such field (it has alpha, regularization)",
            ),
            ("experiment.agent", "holds text"),
            ("policy.users", "a path starts with"),
            ("scenario.levers[x].cost", "malformed index"),
        ] {
            let error = docs.target(path).expect_err(path).to_string();
            assert!(error.starts_with(path) && error.contains(says), "{error}");
        }
        let run = Documents {
            agent: None,
            experiment: json!({"Run": {"users": 10}}),
            ..documents()
        };
        let error = run.target("agent.alpha").expect_err("no agent").to_string();
        assert!(error.contains("`Run` has no agent"), "{error}");
    }
}
