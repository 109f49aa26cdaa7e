//! What the end-to-end tests of the `onboard` binary share.

use std::process::{Command, Output};

/// Runs the release-built `onboard` with `args`, quietly.
pub fn onboard(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_onboard"))
        .args(args)
        .arg("--quiet")
        .output()
        .expect("the binary runs")
}

/// What `output` wrote on stderr.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}
