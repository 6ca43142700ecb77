//! Measurement primitives shared by the benchmark, the monitor and the healthcheck: whole
//! child-process runs (wall, CPU, peak and average RSS) and cgroup v2 limits.

pub mod cgroup;
pub mod child;
