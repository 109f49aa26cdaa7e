//! The files written into run folders (the folders themselves: [`crate::folder`]).

/// Whether a name can name a default output folder (the sweep's too).
pub use crate::folder::check_name;
pub use onboard_agents::files::{WriteError, write_atomically};
use onboard_envs::{CohortMetrics, Estimate, Quantity};
use std::path::Path;

/// Errors writing a run's outputs, naming the file.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// A file could not be written; nothing is left under its name.
    #[error(transparent)]
    Write(#[from] WriteError),
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
