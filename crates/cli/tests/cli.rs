//! The CLI's integration tests: one binary, one module per topic (in `tests/cli/`).

#[path = "cli/monitor.rs"]
mod monitor;
