//! The column names of a log, and the mapping from a file's own names to them.

use std::collections::HashMap;

/// The user's id: the unit the per-trajectory estimators and the intervals
/// resample. Without it, every row is an independent decision.
pub const USER: &str = "user";
/// The calendar day of the user's signup (written by `onboard log`; not read).
pub const SIGNUP_DAY: &str = "signup_day";
/// The user's age in days at the decision (0 on the signup day).
pub const AGE: &str = "age";
/// The name of the logged action.
pub const ACTION: &str = "action";
/// The behaviour policy's probability of the logged action, in (0, 1].
pub const PROPENSITY: &str = "propensity";
/// The reward of the decision.
pub const REWARD: &str = "reward";
/// 1 on the row that ends the user's episode, else 0.
pub const END: &str = "end";
/// The target policy's probability of the logged action, for a target that lives
/// outside onboard.
pub const PI_E: &str = "pi_e";
/// A reward model's prediction for the logged action.
pub const Q_HAT: &str = "q_hat";
/// The reward model's expectation under the target policy, `Σ_a π_e(a|x) q̂(x, a)`.
pub const Q_HAT_TARGET: &str = "q_hat_target";
/// Prefix of the observation feature columns: `obs:visits`.
pub const FEATURE_PREFIX: &str = "obs:";
/// Prefix of the behaviour's probability of each action: `prob:email+none+recs`.
pub const PROBABILITY_PREFIX: &str = "prob:";

/// Every column name the schema defines, features and probabilities aside.
pub const NAMES: [&str; 10] = [
    USER,
    SIGNUP_DAY,
    AGE,
    ACTION,
    PROPENSITY,
    REWARD,
    END,
    PI_E,
    Q_HAT,
    Q_HAT_TARGET,
];

/// How a file names the schema's columns: `user=customer_id,propensity=pscore`
/// reads the schema's `user` from the file's `customer_id`. Columns not mapped keep
/// their schema name. A feature is mapped by its full name (`obs:visits=n_visits`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnMap {
    file_names: HashMap<String, String>,
}

impl ColumnMap {
    /// Parses `schema=file` pairs separated by commas; an empty string maps nothing.
    /// A schema name must be one of [`NAMES`] or start with [`FEATURE_PREFIX`], and
    /// each may be mapped once.
    pub fn parse(spec: &str) -> Result<Self, String> {
        let mut file_names = HashMap::new();
        for pair in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let Some((schema, file)) = pair.split_once('=') else {
                return Err(format!(
                    "column mapping '{pair}': expected SCHEMA=FILE, e.g. propensity=pscore"
                ));
            };
            let (schema, file) = (schema.trim(), file.trim());
            if !NAMES.contains(&schema) && !schema.starts_with(FEATURE_PREFIX) {
                return Err(format!(
                    "column mapping '{pair}': '{schema}' is not a column of the log schema \
                     (one of {}, or a feature '{FEATURE_PREFIX}NAME')",
                    NAMES.join(", ")
                ));
            }
            if file.is_empty() {
                return Err(format!(
                    "column mapping '{pair}': the file's column name is empty"
                ));
            }
            if file_names
                .insert(schema.to_string(), file.to_string())
                .is_some()
            {
                return Err(format!("column mapping: '{schema}' is mapped twice"));
            }
        }
        Ok(Self { file_names })
    }

    /// The file's name for the schema's column `schema`.
    pub fn file_name<'a>(&'a self, schema: &'a str) -> &'a str {
        self.file_names.get(schema).map_or(schema, String::as_str)
    }

    /// The schema's name of the file's column `file` (the inverse mapping).
    pub fn schema_name<'a>(&'a self, file: &'a str) -> &'a str {
        self.file_names
            .iter()
            .find(|(_, f)| f.as_str() == file)
            .map_or(file, |(schema, _)| schema.as_str())
    }
}
