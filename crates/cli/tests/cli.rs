//! One integration-test binary for the command line, with modules by topic.

mod util;

#[path = "cli/optimize.rs"]
mod optimize;
mod process;
