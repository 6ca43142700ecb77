//! The benchmark's opt-in AI stage: the 11-section AI snapshot of one generated meeting,
//! run against a loopback stand-in of the Messages API that waits a fixed time before each
//! answer, once per concurrency limit. The API, not the machine, is the bottleneck there, so
//! the wall times show what running sections in parallel buys. The runs themselves happen in
//! the command (which owns the HTTP client); this module holds their report and its figures.

use serde::{Deserialize, Serialize};
use snapshot_pipeline::ai_telemetry::RunTelemetry;

use super::stats::Sample;

/// The AI stage of a benchmark run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AiStageReport {
    /// What answered: `loopback` (the in-process stand-in).
    pub api: String,
    /// Artificial latency the stand-in adds before every answer.
    pub latency_seconds: f64,
    /// Size of the generated meeting transcript the snapshot is written for.
    pub input_bytes: u64,
    /// Whether the shared meeting material went through the prompt cache.
    pub prompt_cache: bool,
    /// One entry per concurrency limit, in the order run.
    pub results: Vec<AiConcurrencyResult>,
}

/// One AI stage run at one concurrency limit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AiConcurrencyResult {
    /// API calls allowed in flight at once.
    pub concurrency: usize,
    /// Wall time of the whole stage.
    pub wall_seconds: f64,
    /// Calls made.
    pub calls: u64,
    /// Calls that failed.
    pub failed_calls: u64,
    /// Retries over all calls.
    pub retries: u64,
    /// Median call latency (retries and backoff included).
    pub p50_call_seconds: Option<f64>,
    /// 95th percentile call latency.
    pub p95_call_seconds: Option<f64>,
    /// `sum of call latencies / wall`: calls in flight on average.
    pub parallelism: f64,
    /// Input tokens from `usage` (the stand-in counts 4 bytes a token).
    pub input_tokens: u64,
    /// Output tokens from `usage`.
    pub output_tokens: u64,
    /// Input tokens read from the prompt cache.
    pub cache_read_tokens: u64,
}

impl AiConcurrencyResult {
    /// The figures of one run's telemetry.
    pub fn from_run(concurrency: usize, t: &RunTelemetry) -> Self {
        let latencies: Vec<f64> = t.records.iter().map(|r| r.latency_seconds).collect();
        let sample = Sample::new(&latencies).ok();
        Self {
            concurrency,
            wall_seconds: t.wall_seconds,
            calls: t.calls,
            failed_calls: t.failed_calls,
            retries: t.retries,
            p50_call_seconds: sample.as_ref().map(|s| s.quantile(0.5)),
            p95_call_seconds: sample.as_ref().map(|s| s.quantile(0.95)),
            parallelism: if t.wall_seconds > 0.0 {
                t.call_seconds / t.wall_seconds
            } else {
                0.0
            },
            input_tokens: t.input_tokens,
            output_tokens: t.output_tokens,
            cache_read_tokens: t.cache_read_tokens,
        }
    }
}

impl AiStageReport {
    /// Wall time of each result over the first one's (the lowest concurrency when given in
    /// ascending order): below 1 is faster.
    pub fn wall_ratios(&self) -> Vec<Option<f64>> {
        let first = self.results.first().map(|r| r.wall_seconds);
        self.results
            .iter()
            .map(|r| match first {
                Some(f) if f > 0.0 => Some(r.wall_seconds / f),
                _ => None,
            })
            .collect()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use snapshot_pipeline::ai_telemetry::{CallPhase, CallRecord};

    pub(crate) fn run(latencies: &[f64], wall: f64) -> RunTelemetry {
        let records = latencies
            .iter()
            .map(|&l| CallRecord {
                label: "section:x".into(),
                phase: CallPhase::Section,
                latency_seconds: l,
                last_attempt_seconds: l,
                backoff_seconds: 0.0,
                attempts: 1,
                retries: 0,
                input_tokens: 100,
                output_tokens: 10,
                cache_write_tokens: 0,
                cache_read_tokens: 50,
                stop_reason: None,
                status: Some(200),
                attempt_errors: Vec::new(),
                error_class: None,
            })
            .collect();
        RunTelemetry::new(records, wall)
    }

    /// Two concurrency limits, the second twice as fast.
    pub(crate) fn sample_stage() -> AiStageReport {
        AiStageReport {
            api: "loopback".into(),
            latency_seconds: 0.5,
            input_bytes: 100_000,
            prompt_cache: true,
            results: vec![
                AiConcurrencyResult::from_run(1, &run(&[0.5; 11], 5.6)),
                AiConcurrencyResult::from_run(4, &run(&[0.5; 11], 2.8)),
            ],
        }
    }

    #[test]
    fn percentiles_tokens_and_ratios() {
        let r = AiConcurrencyResult::from_run(
            2,
            &run(
                &[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 2.0],
                3.0,
            ),
        );
        assert_eq!(r.calls, 11);
        assert_eq!(r.p50_call_seconds, Some(0.6));
        // Type 7 between the 10th (1.0) and 11th (2.0) values.
        assert!((r.p95_call_seconds.unwrap() - 1.5).abs() < 1e-9);
        assert!((r.parallelism - 7.5 / 3.0).abs() < 1e-9);
        assert_eq!((r.input_tokens, r.cache_read_tokens), (1100, 550));
        assert_eq!(
            AiConcurrencyResult::from_run(1, &run(&[], 0.0)).p50_call_seconds,
            None
        );
        assert_eq!(sample_stage().wall_ratios(), vec![Some(1.0), Some(0.5)]);
    }
}
