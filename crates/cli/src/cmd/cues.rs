//! `customer-snapshot cues`.

use std::path::PathBuf;
use std::process::ExitCode;

/// Flags of `cues`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The WebVTT file.
    pub file: PathBuf,
}

/// Runs `cues`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    Err(crate::exit::bad_input(format!(
        "{}: 'cues' is not implemented yet",
        args.file.display()
    )))
}
