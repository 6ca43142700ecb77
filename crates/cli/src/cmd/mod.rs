//! One file of glue per subcommand.

pub mod analyze;
pub mod cues;
pub mod optimize;

use std::process::ExitCode;

use crate::args::{Cli, Command};

/// Runs the chosen subcommand.
pub fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Cues(args) => cues::run(args),
        Command::Analyze(args) => analyze::run(args),
        Command::Optimize(args) => optimize::run(args),
    }
}
