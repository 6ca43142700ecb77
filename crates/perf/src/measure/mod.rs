//! Measurement primitives shared by the benchmark, the monitor and the healthcheck.

pub mod cgroup;
