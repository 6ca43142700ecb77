//! `customer-snapshot`: the command line. Thin glue over `snapshot_pipeline` and `snapshot_perf`;
//! the only crate with clap, anyhow, progress bars, exit codes and stdout.

mod args;
mod cmd;
mod exit;
mod logging;
mod output;
mod settings;

use std::process::ExitCode;

use clap::Parser;

/// Counts allocations per stage for `optimize`; counting is off (one relaxed load) otherwise.
#[global_allocator]
static ALLOC: snapshot_perf::measure::alloc::CountingAlloc =
    snapshot_perf::measure::alloc::CountingAlloc;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    match cmd::dispatch(cli) {
        Ok(code) => code,
        Err(err) => {
            if exit::is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            eprintln!("customer-snapshot: error: {err:#}");
            exit::code_for(&err)
        }
    }
}
