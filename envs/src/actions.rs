//! Joint actions: each day a policy picks at most one lever of each kind (message,
//! incentive, in-app), and the joint choice is one discrete action for agents.
//!
//! Joint actions are numbered by a mixed radix over the kinds that have levers,
//! message slowest and in-app fastest, each kind's digit being 0 for "none" then
//! its levers in scenario order; combinations the scenario forbids are left out.
//! Action 0 is therefore always "nothing". A joint action is named by its parts
//! joined by `+`, one per kind that has levers, `none` for a kind not used:
//! `push+none+recs`. [`find_action`] also accepts shorter specs: `recs`,
//! `recs+push` (any order, kinds not named are none) or `nothing`.

use crate::scenario::{LeverKind, Scenario};

/// The part of a joint action's name for a kind not used that day.
pub const NONE: &str = "none";
/// The name that also specifies the joint action with no lever at all.
pub const NOTHING: &str = "nothing";
/// The separator of the parts of a joint action's name.
pub const SEPARATOR: char = '+';
/// The policy the command line gives uniformly random actions by: no lever may take
/// its name, nor end like the files a policy may also be (`.ron`, `.ot`).
pub const RANDOM: &str = "random";
/// Endings of the file names the command line reads as policies.
pub const POLICY_FILE_ENDINGS: [&str; 2] = [".ron", ".ot"];

/// The joint actions of one scenario: names and the lever chosen for each kind.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionSpace {
    names: Vec<String>,
    parts: Vec<[Option<usize>; 3]>,
}

impl ActionSpace {
    /// Enumerates the joint actions of `scenario` (whose lever names may be invalid:
    /// validation reports those; the space is still built).
    pub fn new(scenario: &Scenario) -> Self {
        let mut choices: Vec<(usize, Vec<Option<usize>>)> = Vec::new();
        for kind in LeverKind::ALL {
            let levers: Vec<Option<usize>> = scenario
                .levers
                .iter()
                .enumerate()
                .filter(|(_, l)| l.kind == kind)
                .map(|(i, _)| Some(i))
                .collect();
            if !levers.is_empty() {
                choices.push((kind.index(), [None].into_iter().chain(levers).collect()));
            }
        }
        let forbidden: Vec<Vec<usize>> = scenario
            .forbid
            .iter()
            .map(|set| set.iter().filter_map(|n| scenario.lever_index(n)).collect())
            .collect();
        let mut names = Vec::new();
        let mut parts = Vec::new();
        let total: usize = choices.iter().map(|(_, c)| c.len()).product();
        for mut code in 0..total {
            let mut joint = [None; 3];
            for (kind, options) in choices.iter().rev() {
                joint[*kind] = options[code % options.len()];
                code /= options.len();
            }
            let chosen: Vec<usize> = joint.iter().flatten().copied().collect();
            if forbidden
                .iter()
                .any(|set| !set.is_empty() && set.iter().all(|l| chosen.contains(l)))
            {
                continue;
            }
            let name = if choices.is_empty() {
                NOTHING.to_string()
            } else {
                choices
                    .iter()
                    .map(|(kind, _)| {
                        joint[*kind].map_or(NONE, |l| scenario.levers[l].name.as_str())
                    })
                    .collect::<Vec<_>>()
                    .join("+")
            };
            names.push(name);
            parts.push(joint);
        }
        Self { names, parts }
    }

    /// Number of joint actions.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Always false: "nothing" is always an action.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The joint actions' names, in index order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The lever index chosen for each kind (order of [`LeverKind::ALL`]) by `action`.
    ///
    /// # Panics
    /// If `action` is not below [`ActionSpace::len`].
    pub fn parts(&self, action: usize) -> [Option<usize>; 3] {
        self.parts[action]
    }

    /// The joint action choosing exactly these levers per kind, if it is allowed.
    pub fn index_of(&self, parts: [Option<usize>; 3]) -> Option<usize> {
        self.parts.iter().position(|p| *p == parts)
    }
}

/// The index among `names` (joint action names, or journey names) of the one that
/// `spec` names: the exact name, or else a joint action with exactly the levers
/// listed in `spec` (joined by `+`, in any order, `none` ignored; `nothing` for
/// none at all).
pub fn find_action(names: &[String], spec: &str) -> Option<usize> {
    if let Some(exact) = names.iter().position(|n| n == spec) {
        return Some(exact);
    }
    let levers = |text: &str| {
        let mut parts: Vec<String> = text
            .split(SEPARATOR)
            .map(|p| p.trim().to_string())
            .filter(|p| p != NONE && p != NOTHING && !p.is_empty())
            .collect();
        parts.sort_unstable();
        parts
    };
    let wanted = levers(spec);
    let only_none = spec
        .split(SEPARATOR)
        .all(|p| matches!(p.trim(), NOTHING | NONE));
    if wanted.is_empty() && !only_none {
        return None;
    }
    names.iter().position(|n| levers(n) == wanted)
}
