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

/// Starts the `onboard` binary with `args` and kills it with SIGKILL as soon as
/// `ready()` holds, asserting that it had not ended by then.
#[allow(
    dead_code,
    reason = "each test file compiles this module; not all of them kill a run"
)]
pub fn kill_when<S: AsRef<std::ffi::OsStr>>(args: &[S], ready: impl Fn() -> bool) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_onboard"))
        .args(args)
        .spawn()
        .expect("the binary starts");
    while !ready() {
        assert!(
            child.try_wait().expect("wait").is_none(),
            "ended before the kill"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
}

/// What `output` wrote on stderr.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}
