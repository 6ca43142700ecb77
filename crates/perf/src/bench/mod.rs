//! The benchmark: runner (warmup, runs), statistics, the performance guide's targets and
//! baseline comparison.

pub mod stats;
