//! Run folders under `results/` and the files written into them.

pub use onboard_agents::files::{WriteError, write_atomically};
use onboard_envs::{CohortMetrics, Estimate, Quantity};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Errors writing a run's outputs, naming the file.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// A folder could not be created.
    #[error("cannot create the folder {}: {io}", path.display())]
    Folder {
        /// The folder.
        path: PathBuf,
        /// The I/O error.
        io: std::io::Error,
    },
    /// A name that would become part of a default output path is not a plain
    /// file name.
    #[error(
        "'{name}' cannot name an output folder: use letters, digits, '-', '_', '.' and \
         '+', not starting with '.' (or give --out)"
    )]
    Name {
        /// The name.
        name: String,
    },
    /// `--out` names a folder that holds files onboard did not write.
    #[error(
        "{} is not empty and is not an onboard output folder (it has no {MARKER}): \
         give an empty or new folder",
        path.display()
    )]
    NotOurs {
        /// The folder.
        path: PathBuf,
    },
    /// A file could not be written; nothing is left under its name.
    #[error(transparent)]
    Write(#[from] WriteError),
}

/// The file that marks a folder as the output of an onboard command.
pub const MARKER: &str = ".onboard-output";

/// This process's mark: the folders it prepared carry it, and are not cleared
/// again when a second part of the same command writes there.
fn this_run() -> &'static str {
    static RUN: OnceLock<String> = OnceLock::new();
    RUN.get_or_init(|| format!("{} {}", std::process::id(), chrono::Utc::now().to_rfc3339()))
}

/// The output folder of a command: `out` if given, else
/// `results/<name>-<UTC timestamp>`, where `name` (from a scenario or experiment
/// file) must be a plain file name, so that it cannot lead outside `results/`.
///
/// The folder is created if missing and marked ([`MARKER`]). An existing folder is
/// used if it is empty; if it is an earlier command's output (marked by another
/// run, or any folder directly in `results/`), its contents are cleared first, so
/// that no file of two runs mixes; any other non-empty folder is refused.
pub fn run_folder(out: Option<&Path>, name: &str) -> Result<PathBuf, OutputError> {
    let path = match out {
        Some(path) => path.to_path_buf(),
        None => {
            check_name(name)?;
            let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S");
            Path::new("results").join(format!("{name}-{stamp}"))
        }
    };
    let folder_error = |io| OutputError::Folder {
        path: path.clone(),
        io,
    };
    let marker = path.join(MARKER);
    if path.is_dir() {
        let mark = std::fs::read_to_string(&marker).ok();
        if mark.as_deref() != Some(this_run()) {
            let mut entries = std::fs::read_dir(&path).map_err(folder_error)?.peekable();
            if entries.peek().is_some() && mark.is_none() && !in_results(&path) {
                return Err(OutputError::NotOurs { path });
            }
            for entry in entries {
                let entry = entry.map_err(folder_error)?;
                let kind = entry.file_type().map_err(folder_error)?;
                if kind.is_dir() {
                    std::fs::remove_dir_all(entry.path())
                } else {
                    std::fs::remove_file(entry.path())
                }
                .map_err(folder_error)?;
            }
        }
    }
    std::fs::create_dir_all(&path).map_err(folder_error)?;
    std::fs::write(&marker, this_run()).map_err(folder_error)?;
    Ok(path)
}

/// Whether `path` is a folder directly in `results/`, where onboard writes by
/// default: one written before folders were marked is still onboard's own.
fn in_results(path: &Path) -> bool {
    path.parent()
        .is_some_and(|parent| parent == Path::new("results"))
}

/// Checks that `name` is a plain file name: letters, digits, `-`, `_`, `.` and
/// `+`, not empty and not starting with `.` (so neither `..` nor hidden).
pub fn check_name(name: &str) -> Result<(), OutputError> {
    let plain = |c: char| c.is_alphanumeric() || "-_.+".contains(c);
    if name.is_empty() || name.starts_with('.') || !name.chars().all(plain) {
        // At most 60 characters of it: a name can be any garbage a file holds.
        let shown: String = name.chars().take(60).collect();
        let cut = if shown.len() < name.len() { "…" } else { "" };
        return Err(OutputError::Name {
            name: format!("{shown}{cut}"),
        });
    }
    Ok(())
}

/// A number as a CSV cell: the shortest form that reads back exactly, with an
/// exponent for tiny or huge values (a p-value of 1e-120 is not 120 zeros, a profit
/// of 1e20 not 21 digits); empty where the number is undefined (NaN) or infinite,
/// so that no table holds NaN or inf.
pub fn cell(x: f64) -> String {
    if x.is_finite() {
        format!("{x:?}")
    } else {
        String::new()
    }
}

/// Writes one row per age: every metric's mean and 95 % interval (`_low`, `_high`).
/// `survival` is latent survival (not dormant at the end of the day: never churned,
/// or won back), simulator truth that no platform can measure; `lapsed` (no visit in the scenario's
/// `lapse_days` days) is what a platform sees of churn; `won_back`, the share won
/// back from dormancy by a message that day.
pub fn write_metrics_csv(path: &Path, metrics: &CohortMetrics) -> Result<(), OutputError> {
    let mut names = vec![
        "survival".to_string(),
        "active".into(),
        "lapsed".into(),
        "won_back".into(),
        "conversion".into(),
        "unsubscribed".into(),
    ];
    names.extend(Quantity::ALL.map(|q| format!("{}_per_user", q.name())));
    names.extend(Quantity::ALL.map(|q| format!("{}_per_user_to_date", q.name())));
    let mut header = vec!["age".to_string(), "users".to_string()];
    for name in &names {
        header.extend([name.clone(), format!("{name}_low"), format!("{name}_high")]);
    }
    write_csv(path, |writer| {
        writer.write_record(&header)?;
        for row in metrics.by_age() {
            let mut estimates = vec![
                row.survival,
                row.active,
                row.lapsed,
                row.won_back,
                row.conversion,
                row.unsubscribed,
            ];
            estimates.extend(Quantity::ALL.map(|q| row.daily(q)));
            estimates.extend(Quantity::ALL.map(|q| row.to_date(q)));
            let mut record = vec![row.age.to_string(), metrics.users().to_string()];
            record.extend(
                estimates
                    .iter()
                    .flat_map(|e: &Estimate| [e.mean, e.low, e.high])
                    .map(cell),
            );
            writer.write_record(&record)?;
        }
        Ok(())
    })
}

/// Writes `value` as pretty JSON to `path`, atomically ([`write_atomically`]).
pub fn write_json<T: serde::Serialize>(path: &Path, value: &T) -> Result<(), OutputError> {
    let text = serde_json::to_string_pretty(value).map_err(|e| {
        OutputError::Write(WriteError {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
    })?;
    write_atomically(path, |partial| std::fs::write(partial, &text))?;
    Ok(())
}

/// Writes the CSV file `path` atomically ([`write_atomically`]): `rows` writes its
/// records, the header first.
pub fn write_csv(
    path: &Path,
    rows: impl FnOnce(&mut csv::Writer<std::fs::File>) -> Result<(), csv::Error>,
) -> Result<(), OutputError> {
    write_atomically(path, |partial| -> Result<(), csv::Error> {
        let mut writer = csv::Writer::from_path(partial)?;
        rows(&mut writer)?;
        writer.flush()?;
        Ok(())
    })?;
    Ok(())
}
