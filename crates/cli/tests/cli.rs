//! One integration-test binary for the command line, with modules by topic.
//!
//! A crate-root test file resolves `mod x;` beside itself (`tests/x.rs`), so the topic files in
//! `tests/cli/` are named with `#[path]`.

#[path = "cli/util.rs"]
mod util;

#[path = "cli/ai.rs"]
mod ai;
#[path = "cli/analyze.rs"]
mod analyze;
#[path = "cli/benchmark.rs"]
mod benchmark;
#[path = "cli/config.rs"]
mod config;
#[path = "cli/cues.rs"]
mod cues;
#[path = "cli/dashboard.rs"]
mod dashboard;
#[path = "cli/deployment.rs"]
mod deployment;
#[path = "cli/healthcheck.rs"]
mod healthcheck;
#[path = "cli/monitor.rs"]
mod monitor;
#[path = "cli/optimize.rs"]
mod optimize;
#[path = "cli/process.rs"]
mod process;
