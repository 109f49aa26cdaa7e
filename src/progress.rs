//! Progress bars for long work, one look everywhere, hidden by `--quiet`. On a
//! terminal the bar redraws in place; when stderr is not a terminal (CI, a
//! scheduler, a pipe), the same line is printed at most every few seconds instead,
//! so long runs are not silent there.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle, TermLike};
use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How often a bar prints a line when stderr is not a terminal.
const LOG_EVERY: Duration = Duration::from_secs(5);

/// A bar over `len` steps called `unit` (`day`, `cohort`, `test`), labelled
/// `label`; hidden when `quiet`. The bar's message (`set_message`) names the policy.
pub fn bar(len: u64, label: &str, unit: &str, quiet: bool) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let template = format!(
        "{label}{{msg:>12}} [{{bar:40}}] {unit} {{pos}}/{{len}} ({{elapsed}}, eta {{eta}})"
    );
    let target = if std::io::stderr().is_terminal() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::term_like(Box::new(LogLines::default()))
    };
    ProgressBar::with_draw_target(Some(len), target).with_style(
        ProgressStyle::with_template(&template)
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    )
}

/// A draw target for a stderr that is not a terminal: the bar's line, printed
/// whole the first time and then at most every [`LOG_EVERY`]; cursor moves and
/// clears, which only a terminal understands, do nothing.
#[derive(Debug, Default)]
struct LogLines {
    last: Mutex<Option<Instant>>,
}

impl TermLike for LogLines {
    fn width(&self) -> u16 {
        100
    }

    fn move_cursor_up(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }

    fn move_cursor_down(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }

    fn move_cursor_right(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }

    fn move_cursor_left(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }

    fn write_line(&self, line: &str) -> std::io::Result<()> {
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        if line.trim().is_empty() || last.is_some_and(|t| t.elapsed() < LOG_EVERY) {
            return Ok(());
        }
        *last = Some(Instant::now());
        writeln!(std::io::stderr(), "{line}")
    }

    /// The bar's last line comes without its newline: printed as a line too.
    fn write_str(&self, text: &str) -> std::io::Result<()> {
        self.write_line(text)
    }

    fn clear_line(&self) -> std::io::Result<()> {
        Ok(())
    }

    fn flush(&self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}
