//! What a sweep refuses, by kind: a spec that would mix what should not mix, a
//! size past its bound, a folder of another sweep, and a file read back that is
//! not as `onboard sweep` wrote it. Each message names the path, value, metric,
//! file or option concerned, and what was expected.

use std::path::PathBuf;

/// A sweep refused.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    /// Two parameters address the same field (the same path, or two spellings of
    /// it): the second would silently override the first.
    #[error(
        "parameters: {} address the same field; a field may be swept once (give all its \
         values in one parameter)",
        same_field(first, second)
    )]
    DuplicatePath {
        /// The first parameter's path.
        first: String,
        /// The later one's.
        second: String,
    },
    /// A value given twice in one parameter: two cells with one key.
    #[error(
        "{path}: the value {value} is given twice; each value is one row of the table, so \
         give it once (or raise the replicates)"
    )]
    DuplicateValue {
        /// The parameter's path.
        path: String,
        /// The value.
        value: f64,
    },
    /// A metric named twice: two columns of one name.
    #[error("metrics: {metric} is named twice; each metric is its own columns, so name it once")]
    DuplicateMetric {
        /// The metric, as the spec writes it.
        metric: String,
    },
    /// A count past its bound.
    #[error("{what}: {given} is too many; at most {most} ({why})")]
    TooMany {
        /// The field or option, as the user wrote it.
        what: &'static str,
        /// The count given.
        given: usize,
        /// The bound.
        most: usize,
        /// Why the bound is there.
        why: String,
    },
    /// The output folder holds another sweep.
    #[error(
        "{} holds the sweep {theirs}, and this is the sweep {ours}: give another --out \
         (or another name); nothing in that folder was changed",
        folder.display()
    )]
    OtherSweep {
        /// The folder.
        folder: PathBuf,
        /// The sweep found there, in words.
        theirs: String,
        /// The sweep run, in words.
        ours: String,
    },
    /// A file of a sweep's folder, read back, is not as `onboard sweep` writes it.
    #[error("{}: {reason}", path.display())]
    BadFile {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
}

/// `'a' and 'b'`, or `'a' twice` when they are spelt alike.
fn same_field(first: &str, second: &str) -> String {
    if first == second {
        format!("'{first}' is given twice: both")
    } else {
        format!("'{first}' and '{second}'")
    }
}
