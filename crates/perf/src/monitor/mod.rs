//! The monitor: a collector thread samples the machine and the watched application, alert rules
//! turn samples into alert events, windows aggregate them into reports, and sinks carry all of
//! it to the terminal, JSON lines, history, Prometheus and webhooks.
//!
//! Collection ([`collector`]), the stored time series ([`report`]) and rendering (the sinks and
//! [`crate::export`]) are separate modules; [`sample::Sample`] is the plain data between them.

pub mod ai_calls;
pub mod alert;
pub mod cancel;
pub mod collector;
pub mod config;
pub mod duration;
pub mod report;
pub mod sample;
pub mod server;
pub mod sink;
pub mod webhook;

pub use alert::{AlertEngine, AlertEvent, Level};
pub use cancel::CancellationToken;
pub use collector::{Collector, Target};
pub use config::{Levels, MonitorConfig, Thresholds};
pub use sample::Sample;
