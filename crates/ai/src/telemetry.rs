//! Telemetry of every Messages API call: latency, tokens, retries, error class.
//!
//! The client appends one [`CallRecord`] per call (all attempts of it) to a shared
//! [`Telemetry`]. [`RunTelemetry`] is the finished list with totals; it renders itself as a
//! [`StageEntry`] (for the optimizer's stage table and the benchmark's stored runs), so API
//! latency is measured rather than guessed. The record types live in
//! `snapshot_pipeline::ai_telemetry`, so the performance crate (the monitor's `/metrics`, the
//! benchmark, the optimizer) reads them without depending on this crate's HTTP client.

use std::sync::Mutex;

pub use snapshot_pipeline::ai_telemetry::{CallPhase, CallRecord, RunTelemetry, StageEntry};

/// A thread-safe collector the client appends to.
#[derive(Debug, Default)]
pub struct Telemetry {
    calls: Mutex<Vec<CallRecord>>,
}

impl Telemetry {
    /// An empty collector.
    pub fn new() -> Self {
        Telemetry::default()
    }

    /// Appends one call.
    pub fn record(&self, call: CallRecord) {
        // A poisoned lock only means another thread panicked mid-push; the list is still valid.
        let mut calls = self.calls.lock().unwrap_or_else(|p| p.into_inner());
        calls.push(call);
    }

    /// Calls recorded so far.
    pub fn len(&self) -> usize {
        self.calls.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// True when no call was recorded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A copy of the calls so far, with totals; `wall_seconds` is the caller's measured span.
    pub fn snapshot(&self, wall_seconds: f64) -> RunTelemetry {
        self.snapshot_since(0, wall_seconds)
    }

    /// Like [`Telemetry::snapshot`], for the calls after the first `skip` (one run's calls on a
    /// collector several runs share).
    pub fn snapshot_since(&self, skip: usize, wall_seconds: f64) -> RunTelemetry {
        let calls = self.calls.lock().unwrap_or_else(|p| p.into_inner());
        let mine = calls.get(skip..).unwrap_or_default().to_vec();
        RunTelemetry::new(mine, wall_seconds)
    }
}
