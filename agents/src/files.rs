//! Files that appear whole or not at all: every file onboard writes (tables, plots,
//! reports, saved agents, checkpoints) goes through [`write_atomically`].

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// What is told of every file before [`write_atomically`] writes it: its path.
/// An error stops the write, and is its message.
pub type WriteObserver = fn(&Path) -> Result<(), String>;

static OBSERVER: OnceLock<WriteObserver> = OnceLock::new();

/// Has `observer` told of every file before it is written, for the rest of the
/// process (the command line records in a folder's manifest what it wrote there).
/// Only the first observer set counts; later calls change nothing.
pub fn observe_writes(observer: WriteObserver) {
    let _ = OBSERVER.set(observer);
}

/// The temporary file beside `path` that [`write_atomically`] writes before
/// renaming it to `path`: `.partial-NAME`.
pub fn partial_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map_or_else(|| "output".into(), |n| n.to_string_lossy());
    // The extension stays last: writers that pick a format by it (PNG) still can.
    path.with_file_name(format!(".partial-{name}"))
}

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
/// ([`partial_path`]), after telling the observer of writes, if any
/// ([`observe_writes`]): once written, the temporary file is synced to disk and renamed
/// to `path`, so the file appears whole or not at all. A full disk or an
/// interrupted run never leaves a truncated file under the real name; on failure
/// the temporary file is removed and the error names `path`.
pub fn write_atomically<E: std::fmt::Display>(
    path: &Path,
    write: impl FnOnce(&Path) -> Result<(), E>,
) -> Result<(), WriteError> {
    if let Some(observe) = OBSERVER.get() {
        observe(path).map_err(|message| WriteError {
            path: path.to_path_buf(),
            message,
        })?;
    }
    let partial = partial_path(path);
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
