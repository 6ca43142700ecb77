//! One integration-test binary for the command line, with modules by topic.

// The crate root is tests/cli.rs, so modules under tests/cli/ need their paths spelled out.
#[path = "cli/util.rs"]
mod util;

#[path = "cli/ai.rs"]
mod ai;
#[path = "cli/process.rs"]
mod process;
