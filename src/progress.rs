//! Progress bars for long work, one look everywhere, hidden by `--quiet`.

use indicatif::{ProgressBar, ProgressStyle};

/// A bar over `len` steps called `unit` (`day`, `cohort`, `test`), labelled
/// `label`; hidden when `quiet`. The bar's message (`set_message`) names the policy.
pub fn bar(len: u64, label: &str, unit: &str, quiet: bool) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let template = format!(
        "{label}{{msg:>12}} [{{bar:40}}] {unit} {{pos}}/{{len}} ({{elapsed}}, eta {{eta}})"
    );
    ProgressBar::new(len).with_style(
        ProgressStyle::with_template(&template)
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    )
}
