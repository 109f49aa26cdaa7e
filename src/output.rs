//! Run folders under `results/` and the files written into them.

use onboard_envs::{CohortMetrics, Estimate, Quantity};
use std::path::{Path, PathBuf};

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
    /// A CSV file could not be written.
    #[error("cannot write {}: {error}", path.display())]
    Csv {
        /// The file.
        path: PathBuf,
        /// The CSV or I/O error.
        error: csv::Error,
    },
}

/// `out` if given, else `results/<name>-<UTC timestamp>`; created if missing.
pub fn run_folder(out: Option<&Path>, name: &str) -> Result<PathBuf, OutputError> {
    let path = match out {
        Some(path) => path.to_path_buf(),
        None => {
            let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S");
            Path::new("results").join(format!("{name}-{stamp}"))
        }
    };
    std::fs::create_dir_all(&path).map_err(|io| OutputError::Folder {
        path: path.clone(),
        io,
    })?;
    Ok(path)
}

/// Writes one row per age: every metric's mean and 95 % interval (`_low`, `_high`).
/// `survival` is latent survival (not dormant at the end of the day: never churned,
/// or won back), simulator truth that no platform can measure; `lapsed` (no visit in the scenario's
/// `lapse_days` days) is what a platform sees of churn; `won_back`, the share won
/// back from dormancy by a message that day.
pub fn write_metrics_csv(path: &Path, metrics: &CohortMetrics) -> Result<(), OutputError> {
    let fail = |error| OutputError::Csv {
        path: path.to_path_buf(),
        error,
    };
    let mut writer = csv::Writer::from_path(path).map_err(fail)?;
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
    writer.write_record(&header).map_err(fail)?;
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
                .map(|x| x.to_string()),
        );
        writer.write_record(&record).map_err(fail)?;
    }
    writer.flush().map_err(|e| fail(e.into()))
}
