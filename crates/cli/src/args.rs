//! The command line, as clap derive types. Each subcommand's flags live in its `cmd/*.rs` file;
//! only validated plain options reach the libraries.

use clap::{Parser, Subcommand};

use crate::cmd;

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  runtime failure (including a batch in which some files failed)
  2  bad usage or bad input (missing file, no WEBVTT signature, file too large, ...)
  3  a check failed (regression gate, failing healthcheck, missed target when gating)";

/// Turn meeting transcripts (WebVTT) into customer solution snapshots, and keep it fast.
#[derive(Debug, Parser)]
#[command(name = "customer-snapshot", version, about, after_help = EXIT_CODES)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print every cue as one JSON object per line (VTTCue attribute names).
    Cues(cmd::cues::Args),
    /// Summarise a transcript: size, cues, duration, speakers, style, warnings, validity.
    Analyze(cmd::analyze::Args),
    /// Profile the pipeline per stage and function; findings and advice from the data.
    Optimize(cmd::optimize::Args),
}
