//! One file of glue per subcommand.

pub mod analyze;
pub mod benchmark;
pub mod cues;
pub mod process;
pub mod monitor;

use std::io;
use std::process::ExitCode;

use crate::args::{Cli, Command};

/// Runs the chosen subcommand.
pub fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Cues(args) => cues::run(args),
        Command::Analyze(args) => analyze::run(args),
        Command::Process(args) => process::run(args),
        Command::Benchmark(args) => benchmark::run(*args),
        Command::Monitor(args) => monitor::run(*args),
    }
}

/// A short reason for an I/O error on an input path.
pub fn io_reason(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "no such file".into(),
        io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

