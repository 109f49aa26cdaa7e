//! The `onboard` command. Bad input ends with one line on stderr and exit code 2.

use clap::Parser;
use onboard::cli::{Cli, run};
use std::process::ExitCode;

fn main() -> ExitCode {
    // A closed pipe ends the program quietly, as it does `head`'s other writers
    // (`onboard ope … | head`); Rust's default, ignoring SIGPIPE, made the next
    // print panic.
    // SAFETY: setting a signal's disposition to its default, before any thread.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    // Before any thread starts: libtorch's numerics are pinned through the
    // environment, which is safe to change only while the process is one thread.
    if let Err(problem) = &onboard_agents::dqn::numerics::pin().mkl {
        eprintln!("warning: DQN's results may differ between processors: {problem}");
    }
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}
