//! Measuring processes: whole child-process runs (wall, CPU, peak and average RSS).

pub mod child;
