//! Terminal safety: a panic or an error report must leave the user's terminal usable.

use crossterm::{cursor, event, execute, terminal};

/// Whether the app holds the terminal (raw mode, the alternate screen) right now.
static IN_APP: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Records that the app took the terminal (`true`) or gave it back (`false`).
pub fn set_in_app(on: bool) {
    IN_APP.store(on, std::sync::atomic::Ordering::SeqCst);
}

/// Leaves raw mode and the alternate screen, shows the cursor, when the app still holds the
/// terminal (a panic, an error while it runs); otherwise it writes nothing: leaving the
/// alternate screen twice moves the cursor back over what was printed since. Nothing is written
/// when stderr is not a terminal (a file gets no escape codes).
pub fn restore() {
    use std::io::IsTerminal;
    if !IN_APP.swap(false, std::sync::atomic::Ordering::SeqCst) {
        return;
    }
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
/// The exit status of a writer whose reader stopped reading (128 + SIGPIPE, as the shell says).
pub const BROKEN_PIPE: i32 = 141;

/// Whether an error is output's reader having stopped reading.
pub fn is_broken_pipe(e: &color_eyre::Report) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

pub fn install_hooks() -> color_eyre::Result<()> {
    let mut builder = color_eyre::config::HookBuilder::default();
    if !colour_on_stderr() {
        builder = builder.theme(color_eyre::config::Theme::new());
    }
    let (panic_hook, eyre_hook) = builder.into_hooks();
    eyre_hook.install()?;
    std::panic::set_hook(Box::new(move |info| {
        restore();
        // Output piped into a reader that stopped (`lrat find … | head`) ends quietly, as
        // a pipe's writer does: not a crash.
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.starts_with("failed printing to std") && message.contains("Broken pipe") {
            std::process::exit(BROKEN_PIPE);
        }
        eprintln!("{}", panic_hook.panic_report(info));
    }));
    Ok(())
}
