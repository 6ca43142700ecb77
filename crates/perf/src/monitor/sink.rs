//! Where monitor events go. Each output (terminal, JSON lines, history, Prometheus, webhook) is
//! a [`Sink`] that implements only the events it cares about; [`Sinks`] forwards every event to
//! all of them, so the run loop does not know who listens.

use super::alert::AlertEvent;
use super::report::Report;
use super::sample::Sample;

/// A destination for monitor events. Every method defaults to doing nothing.
pub trait Sink {
    /// A new sample.
    fn sample(&mut self, _sample: &Sample) -> Result<(), SinkError> {
        Ok(())
    }
    /// An alert changed state.
    fn alert(&mut self, _event: &AlertEvent) -> Result<(), SinkError> {
        Ok(())
    }
    /// A periodic report or the final summary.
    fn report(&mut self, _report: &Report) -> Result<(), SinkError> {
        Ok(())
    }
    /// The monitor is stopping: flush anything buffered.
    fn finish(&mut self) -> Result<(), SinkError> {
        Ok(())
    }
}

/// A sink failed. `Fatal` stops the monitor (stdout closed, history unwritable); `Warning` is
/// reported and the monitor carries on (a webhook that did not answer).
#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    /// The monitor cannot usefully continue.
    #[error("{0}")]
    Fatal(Box<dyn std::error::Error + Send + Sync>),
    /// Worth telling the user; not worth stopping for.
    #[error("{0}")]
    Warning(String),
}

/// Forwards every event to each sink in order.
#[derive(Default)]
pub struct Sinks {
    sinks: Vec<Box<dyn Sink>>,
    warnings: Vec<String>,
}

impl Sinks {
    /// No sinks yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a sink.
    pub fn push(&mut self, sink: Box<dyn Sink>) {
        self.sinks.push(sink);
    }

    /// Warnings raised since the last call, for the caller to print.
    pub fn take_warnings(&mut self) -> Vec<String> {
        std::mem::take(&mut self.warnings)
    }

    fn each(
        &mut self,
        mut f: impl FnMut(&mut dyn Sink) -> Result<(), SinkError>,
    ) -> Result<(), SinkError> {
        for s in &mut self.sinks {
            match f(s.as_mut()) {
                Ok(()) => {}
                Err(SinkError::Warning(w)) => self.warnings.push(w),
                Err(fatal) => return Err(fatal),
            }
        }
        Ok(())
    }
}

impl Sink for Sinks {
    fn sample(&mut self, sample: &Sample) -> Result<(), SinkError> {
        self.each(|s| s.sample(sample))
    }
    fn alert(&mut self, event: &AlertEvent) -> Result<(), SinkError> {
        self.each(|s| s.alert(event))
    }
    fn report(&mut self, report: &Report) -> Result<(), SinkError> {
        self.each(|s| s.report(report))
    }
    fn finish(&mut self) -> Result<(), SinkError> {
        self.each(|s| s.finish())
    }
}
