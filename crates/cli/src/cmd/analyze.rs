//! `customer-snapshot analyze`.

use std::path::PathBuf;
use std::process::ExitCode;

/// Flags of `analyze`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The WebVTT file.
    pub file: PathBuf,
}

/// Runs `analyze`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    Err(crate::exit::bad_input(format!(
        "{}: 'analyze' is not implemented yet",
        args.file.display()
    )))
}
