//! One integration-test binary for the command line, with modules by topic (in `tests/cli/`).
//! `#[path]` is needed: a test crate root resolves `mod x;` to `tests/x.rs`, which cargo would
//! also build as a test binary of its own.

#[path = "cli/util.rs"]
mod util;

#[path = "cli/monitor.rs"]
mod monitor;
#[path = "cli/process.rs"]
mod process;
