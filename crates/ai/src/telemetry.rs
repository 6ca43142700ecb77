//! Telemetry of every Messages API call: latency, tokens, retries, error class.
//!
//! The client appends one [`CallRecord`] per call (all attempts of it) to a shared
//! [`Telemetry`]. [`RunTelemetry`] is the finished list with totals; it renders itself as
//! Prometheus exposition lines (for the monitor's `/metrics`) and as a [`StageEntry`] (for the
//! optimizer's stage table and the benchmark's stored runs), so API latency is measured rather
//! than guessed.

use std::fmt::Write as _;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::error::ErrorClass;

/// Which step of the map-reduce a call belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallPhase {
    /// Summarising one chunk of a long transcript.
    Map,
    /// Writing one of the first ten sections.
    Section,
    /// Writing the executive summary from the other sections.
    Summary,
}

impl CallPhase {
    /// Lower-case name for labels.
    pub fn as_str(self) -> &'static str {
        match self {
            CallPhase::Map => "map",
            CallPhase::Section => "section",
            CallPhase::Summary => "summary",
        }
    }
}

/// One call to the Messages API, over all its attempts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallRecord {
    /// What the call was for (`section:background`, `map:2/5`).
    pub label: String,
    /// Map-reduce step.
    pub phase: CallPhase,
    /// Wall time from the first attempt to the outcome, backoff waits included, seconds.
    pub latency_seconds: f64,
    /// Wall time of the last attempt alone, seconds.
    pub last_attempt_seconds: f64,
    /// Time spent waiting between attempts, seconds.
    pub backoff_seconds: f64,
    /// Attempts made (1 when the first succeeded).
    pub attempts: u32,
    /// Retries (attempts − 1).
    pub retries: u32,
    /// `usage.input_tokens` of the successful reply (0 on failure).
    pub input_tokens: u64,
    /// `usage.output_tokens` of the successful reply (0 on failure).
    pub output_tokens: u64,
    /// `usage.cache_creation_input_tokens`: input written to the prompt cache.
    pub cache_write_tokens: u64,
    /// `usage.cache_read_input_tokens`: input read from the prompt cache.
    pub cache_read_tokens: u64,
    /// `stop_reason` of the successful reply.
    pub stop_reason: Option<String>,
    /// HTTP status of the last attempt (absent when no response arrived).
    pub status: Option<u16>,
    /// Class of each failed attempt, in order (retried ones included).
    pub attempt_errors: Vec<ErrorClass>,
    /// Class of the final failure; `None` when the call succeeded.
    pub error_class: Option<ErrorClass>,
}

impl CallRecord {
    /// True when the call produced a reply.
    pub fn ok(&self) -> bool {
        self.error_class.is_none()
    }
}

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

/// All calls of one AI run with totals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct RunTelemetry {
    /// Wall time of the whole AI stage, seconds (parallel calls overlap inside it).
    pub wall_seconds: f64,
    /// Calls made.
    pub calls: u64,
    /// Calls that failed in the end.
    pub failed_calls: u64,
    /// Retries over all calls.
    pub retries: u64,
    /// Sum of call latencies, seconds (exceeds `wall_seconds` when calls ran in parallel).
    pub call_seconds: f64,
    /// Input tokens over all calls, from `usage`.
    pub input_tokens: u64,
    /// Output tokens over all calls, from `usage`.
    pub output_tokens: u64,
    /// Input tokens written to the prompt cache over all calls.
    pub cache_write_tokens: u64,
    /// Input tokens read from the prompt cache over all calls.
    pub cache_read_tokens: u64,
    /// Every call, in completion order.
    pub records: Vec<CallRecord>,
}

impl RunTelemetry {
    /// Totals over `records`.
    pub fn new(records: Vec<CallRecord>, wall_seconds: f64) -> Self {
        let mut t = RunTelemetry {
            wall_seconds,
            ..RunTelemetry::default()
        };
        for r in &records {
            t.calls += 1;
            t.failed_calls += u64::from(!r.ok());
            t.retries += u64::from(r.retries);
            t.call_seconds += r.latency_seconds;
            t.input_tokens += r.input_tokens;
            t.output_tokens += r.output_tokens;
            t.cache_write_tokens += r.cache_write_tokens;
            t.cache_read_tokens += r.cache_read_tokens;
        }
        t.records = records;
        t
    }

    /// Prometheus text exposition lines (counters and a latency summary), `prefix` first in
    /// every name (for example `customer_snapshot_ai`). Append them to a `/metrics` body.
    pub fn prometheus_text(&self, prefix: &str) -> String {
        let mut out = String::new();
        let mut counter = |name: &str, help: &str, rows: &[(String, f64)]| {
            // Writing to a String cannot fail.
            let _ = writeln!(out, "# HELP {prefix}_{name} {help}");
            let _ = writeln!(out, "# TYPE {prefix}_{name} counter");
            for (labels, value) in rows {
                let _ = writeln!(out, "{prefix}_{name}{labels} {value}");
            }
        };
        let ok = self.calls - self.failed_calls;
        counter(
            "calls_total",
            "Messages API calls by outcome.",
            &[
                ("{outcome=\"ok\"}".into(), ok as f64),
                ("{outcome=\"error\"}".into(), self.failed_calls as f64),
            ],
        );
        let mut classes: Vec<(ErrorClass, u64)> = Vec::new();
        for class in self.records.iter().flat_map(|r| r.attempt_errors.iter()) {
            match classes.iter_mut().find(|(c, _)| c == class) {
                Some((_, n)) => *n += 1,
                None => classes.push((*class, 1)),
            }
        }
        classes.sort();
        let rows: Vec<(String, f64)> = classes
            .iter()
            .map(|(c, n)| (format!("{{class=\"{}\"}}", c.as_str()), *n as f64))
            .collect();
        counter(
            "attempt_errors_total",
            "Failed attempts by error class (retried ones included).",
            &rows,
        );
        counter(
            "retries_total",
            "Retried attempts.",
            &[(String::new(), self.retries as f64)],
        );
        counter(
            "tokens_total",
            "Tokens reported by the API's usage field.",
            &[
                ("{kind=\"input\"}".into(), self.input_tokens as f64),
                ("{kind=\"output\"}".into(), self.output_tokens as f64),
                (
                    "{kind=\"cache_write\"}".into(),
                    self.cache_write_tokens as f64,
                ),
                (
                    "{kind=\"cache_read\"}".into(),
                    self.cache_read_tokens as f64,
                ),
            ],
        );
        let _ = writeln!(
            out,
            "# HELP {prefix}_call_latency_seconds Latency of a call, retries and backoff included."
        );
        let _ = writeln!(out, "# TYPE {prefix}_call_latency_seconds summary");
        let _ = writeln!(
            out,
            "{prefix}_call_latency_seconds_sum {}",
            self.call_seconds
        );
        let _ = writeln!(out, "{prefix}_call_latency_seconds_count {}", self.calls);
        out
    }

    /// The AI stage as one row of a stage table.
    pub fn stage_entry(&self) -> StageEntry {
        let mut latencies: Vec<f64> = self.records.iter().map(|r| r.latency_seconds).collect();
        latencies.sort_by(f64::total_cmp);
        let median = match latencies.len() {
            0 => 0.0,
            n if n % 2 == 1 => latencies[n / 2],
            n => (latencies[n / 2 - 1] + latencies[n / 2]) / 2.0,
        };
        StageEntry {
            name: "ai_api_calls".to_string(),
            wall_seconds: self.wall_seconds,
            calls: self.calls,
            failed_calls: self.failed_calls,
            retries: self.retries,
            call_seconds: self.call_seconds,
            median_call_seconds: median,
            max_call_seconds: latencies.last().copied().unwrap_or(0.0),
            parallelism: if self.wall_seconds > 0.0 {
                self.call_seconds / self.wall_seconds
            } else {
                0.0
            },
            input_tokens: self.input_tokens,
            output_tokens: self.output_tokens,
            cache_write_tokens: self.cache_write_tokens,
            cache_read_tokens: self.cache_read_tokens,
        }
    }
}

/// The AI stage summarised for a per-stage report (the optimizer's table, stored benchmark runs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageEntry {
    /// Stage name: `ai_api_calls`.
    pub name: String,
    /// Wall time of the stage, seconds.
    pub wall_seconds: f64,
    /// Calls made.
    pub calls: u64,
    /// Calls that failed.
    pub failed_calls: u64,
    /// Retries.
    pub retries: u64,
    /// Sum of call latencies, seconds.
    pub call_seconds: f64,
    /// Median call latency, seconds.
    pub median_call_seconds: f64,
    /// Slowest call, seconds.
    pub max_call_seconds: f64,
    /// `call_seconds / wall_seconds`: how many calls were in flight on average.
    pub parallelism: f64,
    /// Input tokens.
    pub input_tokens: u64,
    /// Output tokens.
    pub output_tokens: u64,
    /// Input tokens written to the prompt cache.
    pub cache_write_tokens: u64,
    /// Input tokens read from the prompt cache.
    pub cache_read_tokens: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(latency: f64, retries: u32, error: Option<ErrorClass>) -> CallRecord {
        CallRecord {
            label: "section:x".into(),
            phase: CallPhase::Section,
            latency_seconds: latency,
            last_attempt_seconds: latency,
            backoff_seconds: 0.0,
            attempts: retries + 1,
            retries,
            input_tokens: if error.is_none() { 100 } else { 0 },
            output_tokens: if error.is_none() { 10 } else { 0 },
            cache_write_tokens: 0,
            cache_read_tokens: 0,
            stop_reason: None,
            status: Some(200),
            attempt_errors: vec![ErrorClass::RateLimited; retries as usize],
            error_class: error,
        }
    }

    #[test]
    fn totals_and_stage_entry() {
        let t = RunTelemetry::new(
            vec![
                call(1.0, 0, None),
                call(3.0, 2, None),
                call(2.0, 1, Some(ErrorClass::Auth)),
            ],
            2.0,
        );
        assert_eq!((t.calls, t.failed_calls, t.retries), (3, 1, 3));
        assert_eq!((t.input_tokens, t.output_tokens), (200, 20));
        let s = t.stage_entry();
        assert_eq!(s.median_call_seconds, 2.0);
        assert_eq!(s.max_call_seconds, 3.0);
        assert_eq!(s.parallelism, 3.0);
    }

    #[test]
    fn prometheus_lines() {
        let t = RunTelemetry::new(vec![call(1.5, 2, None)], 1.5);
        let text = t.prometheus_text("cs_ai");
        assert!(
            text.contains("cs_ai_calls_total{outcome=\"ok\"} 1\n"),
            "{text}"
        );
        assert!(text.contains("cs_ai_attempt_errors_total{class=\"rate_limited\"} 2\n"));
        assert!(text.contains("cs_ai_retries_total 2\n"));
        assert!(text.contains("cs_ai_tokens_total{kind=\"input\"} 100\n"));
        assert!(text.contains("cs_ai_call_latency_seconds_sum 1.5\n"));
        assert!(text.contains("# TYPE cs_ai_call_latency_seconds summary\n"));
    }
}
