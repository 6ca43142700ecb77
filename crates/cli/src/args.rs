//! The command line, as clap derive types. Each subcommand's flags live in its `cmd/*.rs` file;
//! only validated plain options reach the libraries.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::cmd;
use crate::settings::{LogFormat, LogLevel};

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  runtime failure (including a batch in which some files failed)
  2  bad usage or bad input (missing file, no WEBVTT signature, file too large, ...)
  3  a check failed (regression gate, missed target when gating)
`healthcheck` follows Docker's convention instead: 0 healthy (pass or warn), 1 unhealthy.

Configuration: defaults < customer-snapshot.toml (or --config, or $CUSTOMER_SNAPSHOT_CONFIG)
< environment (and .env) < flags. `customer-snapshot config` shows each value and its source.";

/// Turn meeting transcripts (WebVTT) into customer solution snapshots, and keep it fast.
#[derive(Debug, Parser)]
#[command(name = "customer-snapshot", version, about, after_help = EXIT_CODES)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// Flags every subcommand accepts.
    #[command(flatten)]
    pub global: GlobalArgs,
}

/// Flags accepted before or after any subcommand.
#[derive(Debug, clap::Args)]
pub struct GlobalArgs {
    /// Configuration file [default: ./customer-snapshot.toml, or $CUSTOMER_SNAPSHOT_CONFIG].
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Most verbose log level on stderr [default: warn, or $LOG_LEVEL].
    #[arg(long, global = true, value_enum, value_name = "LEVEL")]
    pub log_level: Option<LogLevel>,
    /// Log line format on stderr [default: text, or $LOG_FORMAT].
    #[arg(long, global = true, value_enum, value_name = "FORMAT")]
    pub log_format: Option<LogFormat>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Turn transcripts into customer solution snapshots (Markdown, HTML or JSON).
    Process(cmd::process::Args),
    /// Print every cue as one JSON object per line (VTTCue attribute names).
    Cues(cmd::cues::Args),
    /// Summarise a transcript: size, cues, duration, speakers, style, warnings, validity.
    Analyze(cmd::analyze::Args),
    /// Benchmark `process` on generated transcripts of several sizes; compare with a baseline.
    Benchmark(Box<cmd::benchmark::Args>),
    /// Watch the machine and the transcript processor: live lines or JSON, alerts, history, /metrics.
    Monitor(Box<cmd::monitor::Args>),
    /// Show the effective configuration and where each value came from (secrets masked).
    Config(cmd::config::Args),
    /// Probe health: live (cheap), ready (default), startup (ready + configuration problems).
    Healthcheck(cmd::healthcheck::Args),
    /// Profile the pipeline per stage and function; findings and advice from the data.
    Optimize(cmd::optimize::Args),
    /// One self-contained HTML performance dashboard (benchmark, trends, monitor, profile).
    Dashboard(cmd::dashboard::Args),
}
