//! The benchmark: runner (warmup, runs), statistics, the performance guide's targets and
//! baseline comparison. The report model in [`report`] is what every export renders.

pub mod ai;
pub mod compare;
pub mod executor;
pub mod report;
pub mod runner;
pub mod stages;
pub mod stats;
pub mod targets;
