//! One integration-test binary for the command line, with modules by topic.

// A crate root at tests/cli.rs looks for modules beside it, so point into tests/cli/.
#[path = "cli/util.rs"]
mod util;

#[path = "cli/benchmark.rs"]
mod benchmark;
#[path = "cli/process.rs"]
mod process;
