//! The plain records of the AI stage's Messages API calls, shared by the crate that makes the
//! calls (`snapshot_ai`) and the one that measures and exports them (`snapshot_perf`: the
//! monitor's `/metrics`, the benchmark's AI stage, the optimizer's `ai_api_calls` row). Only
//! data and arithmetic live here: no network, no clock, so the performance crate can read
//! these records without depending on an HTTP client.

use serde::{Deserialize, Serialize};

/// The class of a failed attempt or call, as counted in telemetry and metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorClass {
    /// The connection or the whole attempt took longer than the configured timeout.
    Timeout,
    /// The connection could not be opened (refused, DNS, TLS).
    Connect,
    /// HTTP 429: rate limited.
    RateLimited,
    /// HTTP 529: the API is overloaded.
    Overloaded,
    /// Any other 5xx.
    Server,
    /// HTTP 401 or 403: the key is missing, wrong or lacks permission.
    Auth,
    /// Any other 4xx: the request itself was refused.
    Request,
    /// The reply was not the Messages API shape (bad JSON, missing fields).
    Malformed,
    /// The model's text was not the JSON object the prompt asked for.
    ModelOutput,
}

impl ErrorClass {
    /// Lower-case name used in metrics labels and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorClass::Timeout => "timeout",
            ErrorClass::Connect => "connect",
            ErrorClass::RateLimited => "rate_limited",
            ErrorClass::Overloaded => "overloaded",
            ErrorClass::Server => "server",
            ErrorClass::Auth => "auth",
            ErrorClass::Request => "request",
            ErrorClass::Malformed => "malformed",
            ErrorClass::ModelOutput => "model_output",
        }
    }

    /// Whether an attempt that failed this way is worth repeating.
    pub fn is_retryable(self) -> bool {
        matches!(
            self,
            ErrorClass::Timeout
                | ErrorClass::Connect
                | ErrorClass::RateLimited
                | ErrorClass::Overloaded
                | ErrorClass::Server
        )
    }

    /// The class of an HTTP error status.
    pub fn from_status(status: u16) -> ErrorClass {
        match status {
            401 | 403 => ErrorClass::Auth,
            429 => ErrorClass::RateLimited,
            529 => ErrorClass::Overloaded,
            500..=599 => ErrorClass::Server,
            _ => ErrorClass::Request,
        }
    }
}

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

/// One line of the call log (JSON lines): `process --ai` appends one per call when a run ends,
/// and `monitor --listen` reads new lines into its `/metrics` counters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallLogLine {
    /// When the run that made the call ended, seconds since the Unix epoch.
    pub unix_time_seconds: f64,
    /// The transcript the run was for.
    pub input: String,
    /// The call.
    #[serde(flatten)]
    pub call: CallRecord,
}

impl CallLogLine {
    /// The call log lines of a run, newline-terminated, ready for one appending write.
    pub fn lines(run: &RunTelemetry, input: &str, unix_time_seconds: f64) -> String {
        let mut out = String::new();
        for call in &run.records {
            let line = CallLogLine {
                unix_time_seconds,
                input: input.to_owned(),
                call: call.clone(),
            };
            // Plain data with string keys: serialising cannot fail.
            if let Ok(text) = serde_json::to_string(&line) {
                out.push_str(&text);
                out.push('\n');
            }
        }
        out
    }
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
    fn call_log_lines_round_trip() {
        let t = RunTelemetry::new(vec![call(1.0, 1, None), call(2.0, 0, None)], 2.0);
        let text = CallLogLine::lines(&t, "a.vtt", 5.0);
        let back: Vec<CallLogLine> = text
            .lines()
            .map(|l| serde_json::from_str(l).expect("a line parses"))
            .collect();
        assert_eq!(back.len(), 2);
        assert_eq!(back[0].call, t.records[0]);
        assert_eq!(
            (back[1].input.as_str(), back[1].unix_time_seconds),
            ("a.vtt", 5.0)
        );
        assert!(
            text.lines().all(|l| l.contains("\"phase\":\"section\"")),
            "{text}"
        );
    }
}
