//! What the end-to-end tests of the `onboard` binary share.

use std::process::{Command, Output};

/// Runs the `onboard` binary with `args`, quietly.
pub fn onboard(args: &[&str]) -> Output {
    let mut quiet = args.to_vec();
    quiet.push("--quiet");
    onboard_with_progress(&quiet)
}

/// Runs the `onboard` binary with `args` as given (progress on, unless they say
/// `--quiet`), its stderr a pipe, not a terminal.
pub fn onboard_with_progress(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_onboard"))
        .args(args)
        .output()
        .expect("the binary runs")
}

/// What `output` wrote on stderr.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}
