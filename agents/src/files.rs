//! Files that appear whole or not at all: every file onboard writes (tables, plots,
//! reports, saved agents, checkpoints) goes through [`write_atomically`].

use std::path::{Path, PathBuf};

/// A file could not be written; nothing is left under its name.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {}: {message}", path.display())]
pub struct WriteError {
    /// The file.
    pub path: PathBuf,
    /// What went wrong.
    pub message: String,
}

/// Writes the file `path` by `write`, which is handed a temporary path beside it
/// (`.partial-NAME`): once written, the temporary file is synced to disk and renamed
/// to `path`, so the file appears whole or not at all. A full disk or an
/// interrupted run never leaves a truncated file under the real name; on failure
/// the temporary file is removed and the error names `path`.
pub fn write_atomically<E: std::fmt::Display>(
    path: &Path,
    write: impl FnOnce(&Path) -> Result<(), E>,
) -> Result<(), WriteError> {
    let name = path
        .file_name()
        .map_or_else(|| "output".into(), |n| n.to_string_lossy());
    // The extension stays last: writers that pick a format by it (PNG) still can.
    let partial = path.with_file_name(format!(".partial-{name}"));
    let result = write(&partial).map_err(|e| e.to_string()).and_then(|()| {
        std::fs::File::open(&partial)
            .and_then(|file| file.sync_all())
            .and_then(|()| std::fs::rename(&partial, path))
            .map_err(|e| e.to_string())
    });
    result.map_err(|message| {
        let _ = std::fs::remove_file(&partial);
        WriteError {
            path: path.to_path_buf(),
            message,
        }
    })
}
