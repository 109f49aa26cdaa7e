//! Errors of the environment: bad scenarios and misuse of the steppers.

use std::fmt;

/// Quoted tokens longer than this many characters are cut in parser messages.
const LONGEST_TOKEN: usize = 60;
/// Parser messages longer than this many characters are cut.
const LONGEST_MESSAGE: usize = 1_000;

/// A parser's message fit for a terminal: every token it quotes (between
/// backticks) longer than 60 characters is cut to its first 40 and its length, and
/// the whole to 1,000 characters, so that a garbage file of one 100 MB token gives a
/// line, not 100 MB.
pub fn parse_message(message: &str) -> String {
    let mut shown = String::new();
    for (i, part) in message.split('`').enumerate() {
        if i > 0 {
            shown.push('`');
        }
        let length = part.chars().count();
        if i % 2 == 1 && length > LONGEST_TOKEN {
            shown.extend(part.chars().take(40));
            shown.push_str(&format!("… ({length} characters)"));
        } else {
            shown.push_str(part);
        }
    }
    let length = shown.chars().count();
    if length > LONGEST_MESSAGE {
        let mut cut: String = shown.chars().take(LONGEST_MESSAGE).collect();
        cut.push_str(&format!("… ({length} characters in all)"));
        return cut;
    }
    shown
}

/// `text` without the UTF-8 byte-order mark that some editors (Notepad, Excel's
/// CSV export) write first: it is no part of what the user wrote, and a parser
/// given it would report a bad first character the user cannot see.
pub fn without_byte_order_mark(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// One broken rule in a scenario: where (a field path) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Field path, e.g. `arrivals.channels[2].segments`.
    pub path: String,
    /// The rule broken and the value found.
    pub rule: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.rule)
    }
}

/// Why a scenario could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("{origin}: cannot read: {io}")]
    Read {
        /// The file.
        origin: String,
        /// The I/O error.
        io: std::io::Error,
    },
    /// The text is not a well-formed scenario (syntax, unknown or missing field, wrong type).
    #[error("{origin}:{line}:{column}: {message}")]
    Parse {
        /// The file or built-in name.
        origin: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the parser expected.
        message: String,
    },
    /// Well-formed, but values break the model's rules.
    #[error("{origin}: invalid scenario:{}", list(problems))]
    Invalid {
        /// The file or built-in name.
        origin: String,
        /// Every broken rule found.
        problems: Vec<Problem>,
    },
    /// No built-in scenario has this name, and it is not a path to a file.
    #[error("unknown scenario '{name}': give one of {known}, or a path to a .ron file")]
    UnknownName {
        /// The name asked for.
        name: String,
        /// The built-in names.
        known: String,
    },
}

fn list(problems: &[Problem]) -> String {
    problems.iter().map(|p| format!("\n  {p}")).collect()
}

/// Misuse of a stepper: the caller's actions do not fit the environment.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StepError {
    /// An action index outside the scenario's actions.
    #[error("action {action} does not exist: the scenario has {count} actions (0..{count})")]
    UnknownAction {
        /// The index given.
        action: usize,
        /// Number of actions in the scenario.
        count: usize,
    },
    /// A batch of actions whose length differs from the number of live users.
    #[error("got {got} actions for {expected} live users")]
    BatchSize {
        /// Live users.
        expected: usize,
        /// Actions given.
        got: usize,
    },
    /// A journey index outside the scenario's journey templates.
    #[error("journey {journey} does not exist: the scenario has {count} journeys (0..{count})")]
    UnknownJourney {
        /// The index given.
        journey: usize,
        /// Number of journey templates in the scenario.
        count: usize,
    },
    /// `step` called on a user whose episode has ended, or before `reset`.
    #[error("the episode has ended: call reset first")]
    EpisodeOver,
}
