//! One integration-test binary for the command line, with modules by topic.

mod util;

mod process;
