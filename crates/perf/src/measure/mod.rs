//! Measuring processes: whole child-process runs (wall, CPU, peak and average RSS) and the
//! counting global allocator.

pub mod alloc;
pub mod child;
