//! Measuring processes and their limits: whole child-process runs (wall, CPU, peak and average
//! RSS) and the cgroup v2 limits a process runs under.

pub mod cgroup;
pub mod child;
