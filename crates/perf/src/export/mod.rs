//! Exports: one file per format.

pub mod prometheus;
