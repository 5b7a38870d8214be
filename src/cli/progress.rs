//! Progress bars of the commands (drawn on stderr only when it is a terminal).

/// A bar counting documents, labelled `what`; starts empty (its length is set as work begins).
pub fn documents_bar(what: &str) -> indicatif::ProgressBar {
    let style = indicatif::ProgressStyle::with_template(
        "{spinner} {msg} [{bar:30}] {pos}/{len} {per_sec} eta {eta}",
    )
    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
    .progress_chars("=> ");
    indicatif::ProgressBar::new(0)
        .with_style(style)
        .with_message(what.to_string())
}
