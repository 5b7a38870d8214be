//! The `lrat` binary: parse arguments, install the panic hook, hand over to the library, and
//! report an expected failure as one plain line (crash reports are for bugs).

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    if let Err(e) = lrat::terminal::install_hooks() {
        eprintln!("lrat: {}", lrat::terminal::plain_error(&e));
        return ExitCode::FAILURE;
    }
    match lrat::cli::run(lrat::cli::Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if lrat::terminal::is_broken_pipe(&e) => {
            ExitCode::from(lrat::terminal::BROKEN_PIPE as u8)
        }
        Err(e) => {
            lrat::terminal::restore();
            eprintln!("lrat: {}", lrat::terminal::plain_error(&e));
            ExitCode::FAILURE
        }
    }
}
