//! One file of glue per subcommand.

pub mod ai;
pub mod analyze;
pub mod benchmark;
pub mod config;
pub mod cues;
pub mod dashboard;
pub mod healthcheck;
pub mod monitor;
pub mod optimize;
pub mod process;

use std::io;
use std::process::ExitCode;

use crate::args::{Cli, Command};

/// Loads the settings once, starts logging, and runs the chosen subcommand.
pub fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    let settings = match crate::settings::Settings::from_cli(&cli.global) {
        Ok(settings) => settings,
        Err(err) => {
            return match cli.command {
                // A probe must answer "unhealthy" (exit 1) for a broken configuration, not "usage".
                Command::Healthcheck(args) => healthcheck::run_unconfigured(args, &err),
                _ => Err(crate::exit::bad_input(err.to_string())),
            };
        }
    };
    crate::logging::init(&settings.log);
    tracing::info!(file = ?settings.provenance.file, "configuration loaded");
    tracing::debug!(?settings, "effective configuration");
    match cli.command {
        Command::Cues(args) => cues::run(args),
        Command::Analyze(args) => analyze::run(args),
        Command::Process(args) => process::run(args, &settings),
        Command::Benchmark(args) => benchmark::run(*args, &settings),
        Command::Monitor(args) => monitor::run(*args, &settings),
        Command::Config(args) => config::run(args, &settings),
        Command::Healthcheck(args) => healthcheck::run(args, &settings),
        Command::Optimize(args) => optimize::run(args, &settings),
        Command::Dashboard(args) => dashboard::run(args, &settings),
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
