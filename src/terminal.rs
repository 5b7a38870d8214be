//! Terminal safety: a panic or an error report must leave the user's terminal usable.

use crossterm::{cursor, event, execute, terminal};

/// Leaves raw mode and the alternate screen, shows the cursor; harmless when neither is on, and
/// writes nothing when stderr is not a terminal (a file gets no escape codes).
pub fn restore() {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() {
        return;
    }
    let _ = terminal::disable_raw_mode();
    let _ = execute!(
        std::io::stderr(),
        event::DisableMouseCapture,
        terminal::LeaveAlternateScreen,
        cursor::Show
    );
}

/// Whether stderr may carry colour: a terminal, and `NO_COLOR` unset.
pub fn colour_on_stderr() -> bool {
    use std::io::IsTerminal;
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// An expected failure as one plain line: the message, then each cause it does not already
/// say, without source locations, backtraces or colour.
pub fn plain_error(e: &color_eyre::Report) -> String {
    let mut msg = String::new();
    for cause in e.chain() {
        let c = cause.to_string();
        if msg.contains(&c) {
            continue;
        }
        if !msg.is_empty() {
            msg.push_str(": ");
        }
        msg.push_str(&c);
    }
    crate::text::inert(&msg).into_owned()
}

/// Installs color-eyre with a panic hook that restores the terminal before reporting (in
/// colour only where stderr shows it).
pub fn install_hooks() -> color_eyre::Result<()> {
    let mut builder = color_eyre::config::HookBuilder::default();
    if !colour_on_stderr() {
        builder = builder.theme(color_eyre::config::Theme::new());
    }
    let (panic_hook, eyre_hook) = builder.into_hooks();
    eyre_hook.install()?;
    std::panic::set_hook(Box::new(move |info| {
        restore();
        eprintln!("{}", panic_hook.panic_report(info));
    }));
    Ok(())
}
