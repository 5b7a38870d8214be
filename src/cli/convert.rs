//! `lrat convert`: runs of any readable format written as ATIF or native JSONL.

use std::path::PathBuf;

use clap::Args;

use super::{ReadArgs, finish, load};
use crate::run::convert::{self, Target};

#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// Run files, folders or workspaces.
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// `atif` (v1.8, one trajectory a file) or `native` (one JSONL file).
    #[arg(long, value_enum)]
    to: Target,
    /// The folder to write into (created).
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    read: ReadArgs,
}

impl ConvertArgs {
    pub fn run(self) -> color_eyre::Result<()> {
        let (loaded, _) = load(&self.inputs, &self.read)?;
        let written = convert::write(&loaded.runs, self.to, &self.out)?;
        eprintln!(
            "wrote {} runs to {} file(s) under {}",
            loaded.runs.len(),
            written.len(),
            self.out.display()
        );
        finish(&loaded, self.read.keep_going)
    }
}
