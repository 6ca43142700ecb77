//! Measurement primitives shared by the benchmark, the monitor, the optimizer and the
//! healthcheck: whole child-process runs (wall, CPU, peak and average RSS), cgroup v2 limits,
//! and the counting global allocator.

pub mod alloc;
pub mod cgroup;
pub mod child;
