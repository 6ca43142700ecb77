//! One file of glue per subcommand.

// Called from process.rs once the lead wires `--ai` in (see cmd/ai.rs docs); until then only
// its tests use it.
#[allow(dead_code)]
pub mod ai;
pub mod analyze;
pub mod cues;

use std::process::ExitCode;

use crate::args::{Cli, Command};

/// Runs the chosen subcommand.
pub fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Cues(args) => cues::run(args),
        Command::Analyze(args) => analyze::run(args),
    }
}
