//! One integration-test binary for the command line, with modules by topic.

// The topic modules live in tests/cli/; a crate root at tests/cli.rs looks beside itself.
#[path = "cli/util.rs"]
mod util;

#[path = "cli/process.rs"]
mod process;

#[path = "cli/config.rs"]
mod config;
#[path = "cli/deployment.rs"]
mod deployment;
#[path = "cli/healthcheck.rs"]
mod healthcheck;
