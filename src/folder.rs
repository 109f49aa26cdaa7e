//! Output folders and the files onboard knows it wrote there.
//!
//! A folder prepared by [`run_folder`] carries a manifest ([`MARKER`], JSON): the
//! name of every file onboard wrote into it and the command that wrote it. The
//! manifest is updated before each file is written (every output goes through
//! [`onboard_agents::files::write_atomically`], which reports to [`record`]), so
//! even a killed run leaves a manifest naming all it wrote.
//!
//! What this guards: onboard deletes only files its manifest names, and only when
//! the same kind of command writes into the folder again; a user's own files in
//! the folder, and the files of another kind of command (a training run's
//! checkpoints and resume state), are never deleted. A folder that another kind
//! of command wrote is refused unless the user says `--force`, and a folder with
//! files but no manifest is refused whatever its place (under `results/` too).

use onboard_agents::files;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

/// The file that marks a folder as the output of onboard and lists what it wrote.
pub const MARKER: &str = ".onboard-output";

/// Errors preparing an output folder, naming it.
#[derive(Debug, thiserror::Error)]
pub enum FolderError {
    /// The folder or its manifest could not be read, created or written.
    #[error("cannot {action} the folder {}: {io}", path.display())]
    Io {
        /// What failed: `create`, `read`, `clear` …
        action: &'static str,
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
        /// The name, cut to 60 characters.
        name: String,
    },
    /// `--out` names a folder that holds files onboard did not write.
    #[error(
        "{} is not empty and is not an onboard output folder (it has no {MARKER}): give \
         an empty or new folder; onboard never deletes files it did not write",
        path.display()
    )]
    NotOurs {
        /// The folder.
        path: PathBuf,
    },
    /// `--out` names a folder that another kind of command wrote.
    #[error(
        "{} holds the output of `onboard {others}`: give another --out, or add --force \
         to write this run's files beside those (none of them is deleted; files of the \
         same name are replaced)",
        path.display()
    )]
    OtherCommand {
        /// The folder.
        path: PathBuf,
        /// The commands that wrote it, comma-separated.
        others: String,
    },
    /// The manifest is not one onboard can read.
    #[error(
        "{} is not a manifest this version of onboard can read ({reason}): onboard does \
         not know which files of the folder it wrote; give another --out, or add --force \
         to write beside them (nothing is deleted)",
        path.display()
    )]
    UnknownManifest {
        /// The manifest file.
        path: PathBuf,
        /// Why it cannot be read.
        reason: String,
    },
}

/// Who writes into a folder: the command's name (`run`, `train`, `ab` …) and
/// whether the user said `--force` (write into a folder of another command).
#[derive(Debug, Clone, Copy)]
pub struct Writer {
    /// The command, as typed after `onboard`.
    pub command: &'static str,
    /// `--force`: accept a folder that another command wrote (or whose manifest is
    /// unreadable), deleting nothing of it.
    pub force: bool,
}

/// The manifest: each file onboard wrote, relative to the folder, and the command
/// that wrote it; `run` identifies the process that last prepared the folder.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
struct Manifest {
    run: String,
    files: BTreeMap<String, String>,
}

/// A folder prepared by this process, with its manifest as last written.
struct Tracked {
    folder: PathBuf,
    command: &'static str,
    manifest: Manifest,
}

/// The folders this process prepared; their manifests change under this lock.
fn tracked() -> &'static Mutex<Vec<Tracked>> {
    static TRACKED: OnceLock<Mutex<Vec<Tracked>>> = OnceLock::new();
    TRACKED.get_or_init(|| Mutex::new(Vec::new()))
}

/// This process's mark: a folder it prepared is not cleared again when a second
/// part of the same command writes there.
fn this_run() -> &'static str {
    static RUN: OnceLock<String> = OnceLock::new();
    RUN.get_or_init(|| format!("{} {}", std::process::id(), chrono::Utc::now().to_rfc3339()))
}

/// The output folder of a command: `out` if given, else
/// `results/<name>-<UTC timestamp>`, where `name` (from a scenario or experiment
/// file) must be a plain file name, so that it cannot lead outside `results/`.
///
/// The folder is created if missing and gets a manifest ([`MARKER`]). An existing
/// folder is used if it is empty. If its manifest says `writer`'s command wrote
/// it before, the files that command wrote there are deleted first, so that no
/// file of two runs mixes; nothing else is. A folder with files of another
/// command, or an unreadable manifest, is refused unless `writer.force`; a
/// non-empty folder without a manifest is refused.
pub fn run_folder(out: Option<&Path>, name: &str, writer: Writer) -> Result<PathBuf, FolderError> {
    let path = match out {
        Some(path) => path.to_path_buf(),
        None => {
            check_name(name)?;
            let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S");
            Path::new("results").join(format!("{name}-{stamp}"))
        }
    };
    let io = |action| {
        let path = path.clone();
        move |io| FolderError::Io { action, path, io }
    };
    files::observe_writes(record);
    let mut tracked = tracked().lock().unwrap_or_else(|e| e.into_inner());
    if tracked.iter().any(|t| t.folder == path) {
        return Ok(path);
    }
    let manifest = if path.is_dir() {
        let manifest = read_manifest(&path, writer)?;
        let mut entries = std::fs::read_dir(&path).map_err(io("read"))?;
        if manifest.is_none() && entries.next().is_some() {
            return Err(FolderError::NotOurs { path });
        }
        let mut manifest = manifest.unwrap_or_default();
        clear(&path, writer.command, &mut manifest).map_err(io("clear"))?;
        manifest
    } else {
        Manifest::default()
    };
    std::fs::create_dir_all(&path).map_err(io("create"))?;
    let entry = Tracked {
        folder: path.clone(),
        command: writer.command,
        manifest: Manifest {
            run: this_run().to_string(),
            ..manifest
        },
    };
    write_manifest(&entry).map_err(io("write the manifest of"))?;
    tracked.push(entry);
    Ok(path)
}

/// The manifest of the existing folder `path`: `None` if it has none; an error
/// if it names another command's files or cannot be read, unless `writer.force`
/// (then it is kept as it is, or started afresh if unreadable).
fn read_manifest(path: &Path, writer: Writer) -> Result<Option<Manifest>, FolderError> {
    let marker = path.join(MARKER);
    let text = match std::fs::read_to_string(&marker) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(io) => {
            return Err(FolderError::Io {
                action: "read the manifest of",
                path: path.to_path_buf(),
                io,
            });
        }
    };
    let manifest = match serde_json::from_str::<Manifest>(&text) {
        Ok(manifest) => manifest,
        Err(_) if writer.force => return Ok(Some(Manifest::default())),
        Err(e) => {
            let reason = if text.trim_start().starts_with('{') {
                e.to_string()
            } else {
                "an earlier version's marker, with no list of files".to_string()
            };
            return Err(FolderError::UnknownManifest {
                path: marker,
                reason,
            });
        }
    };
    let mut others: Vec<&str> = manifest
        .files
        .values()
        .map(String::as_str)
        .filter(|command| *command != writer.command)
        .collect();
    if !others.is_empty() && !writer.force {
        others.sort_unstable();
        others.dedup();
        return Err(FolderError::OtherCommand {
            path: path.to_path_buf(),
            others: others.join(", "),
        });
    }
    Ok(Some(manifest))
}

/// Deletes from `folder` the files `manifest` says `command` wrote (with the
/// temporary file of an interrupted write of each), then the folders inside it
/// that this left empty, and drops them from the manifest.
fn clear(folder: &Path, command: &str, manifest: &mut Manifest) -> std::io::Result<()> {
    let ours: Vec<String> = manifest
        .files
        .iter()
        .filter(|(_, by)| *by == command)
        .map(|(name, _)| name.clone())
        .collect();
    for name in &ours {
        let Some(file) = inside(folder, name) else {
            continue;
        };
        remove_if_present(&file)?;
        remove_if_present(&files::partial_path(&file))?;
        let mut parent = file.parent();
        while let Some(dir) = parent.filter(|dir| *dir != folder) {
            // Only an empty folder goes: a user's file inside keeps it.
            if std::fs::remove_dir(dir).is_err() {
                break;
            }
            parent = dir.parent();
        }
        manifest.files.remove(name);
    }
    Ok(())
}

/// `folder/name` if `name` is a plain relative path inside the folder (a manifest
/// edited by hand cannot make onboard delete anything outside it).
fn inside(folder: &Path, name: &str) -> Option<PathBuf> {
    let relative = Path::new(name);
    let plain = relative
        .components()
        .all(|c| matches!(c, std::path::Component::Normal(_)));
    (plain && !name.is_empty()).then(|| folder.join(relative))
}

fn remove_if_present(path: &Path) -> std::io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => Ok(()),
        Ok(_) => std::fs::remove_file(path),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

/// Writes `entry`'s manifest atomically: a temporary file renamed over the old one.
fn write_manifest(entry: &Tracked) -> std::io::Result<()> {
    let text = serde_json::to_string_pretty(&entry.manifest).map_err(std::io::Error::other)?;
    let marker = entry.folder.join(MARKER);
    let partial = files::partial_path(&marker);
    std::fs::write(&partial, text)?;
    std::fs::rename(&partial, &marker)
}

/// Records `path` in the manifest of the prepared folder it lies in, if any,
/// before it is written ([`files::observe_writes`]).
fn record(path: &Path) -> Result<(), String> {
    let mut tracked = tracked().lock().unwrap_or_else(|e| e.into_inner());
    let Some(entry) = tracked.iter_mut().find(|t| path.starts_with(&t.folder)) else {
        return Ok(());
    };
    let Ok(relative) = path.strip_prefix(&entry.folder) else {
        return Ok(());
    };
    let name = relative.to_string_lossy().into_owned();
    if entry.manifest.files.get(&name).map(String::as_str) == Some(entry.command) {
        return Ok(());
    }
    entry.manifest.files.insert(name, entry.command.to_string());
    write_manifest(entry).map_err(|e| {
        format!(
            "cannot record it in {}: {e}",
            entry.folder.join(MARKER).display()
        )
    })
}

/// Checks that `name` is a plain file name: letters, digits, `-`, `_`, `.` and
/// `+`, not empty and not starting with `.` (so neither `..` nor hidden).
pub fn check_name(name: &str) -> Result<(), FolderError> {
    let plain = |c: char| c.is_alphanumeric() || "-_.+".contains(c);
    if name.is_empty() || name.starts_with('.') || !name.chars().all(plain) {
        // At most 60 characters of it: a name can be any garbage a file holds.
        let shown: String = name.chars().take(60).collect();
        let cut = if shown.len() < name.len() { "…" } else { "" };
        return Err(FolderError::Name {
            name: format!("{shown}{cut}"),
        });
    }
    Ok(())
}
