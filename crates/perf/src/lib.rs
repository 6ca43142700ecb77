//! `snapshot_perf`: the performance suite of customer-snapshot (benchmark, monitor, optimize,
//! dashboard, healthcheck). Depends on the pipeline, never the reverse.
#![deny(missing_docs)]

pub mod bench;
pub mod corpus;
pub mod export;
pub mod health;
pub mod history;
pub mod measure;
pub mod monitor;
pub mod profile;
pub mod system;
