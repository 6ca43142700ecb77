//! The optimizer's `ai_api_calls` stage: the AI snapshot's Messages API calls, measured beside
//! the local pipeline so the performance guide's "external API latency" bottleneck is a number.
//!
//! The calls are made elsewhere (against the loopback API with an artificial latency, or read
//! from a `process --ai --ai-telemetry` file); this module holds the stage as the report
//! stores it, its terminal rows and the rule that compares it with the pipeline.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};
use snapshot_pipeline::ai_telemetry::StageEntry;

use super::rules::{Finding, FindingKind};

/// The AI stage of an `optimize` run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AiStageProfile {
    /// Where the calls came from: the loopback API and its latency, or a telemetry file.
    pub source: String,
    /// The profiled input the AI stage ran on (absent for a telemetry file).
    pub input: Option<String>,
    /// Wall time of one local pipeline run on that input, for comparison.
    pub pipeline_wall_seconds: Option<f64>,
    /// The stage: wall time, calls, latencies, parallelism, tokens.
    pub stage: StageEntry,
}

/// Below this many calls in flight on average, more concurrency would shorten the stage.
const LOW_PARALLELISM: f64 = 1.5;

impl AiStageProfile {
    /// The finding when the API calls outweigh the local pipeline on the same input.
    pub fn finding(&self) -> Option<Finding> {
        let s = &self.stage;
        let pipeline = self.pipeline_wall_seconds.filter(|p| *p > 0.0)?;
        if s.wall_seconds <= pipeline {
            return None;
        }
        let ratio = s.wall_seconds / pipeline;
        let suggestion = if s.parallelism < LOW_PARALLELISM && s.calls > 1 {
            format!(
                "the calls ran {:.1} at a time on average: raise --ai-concurrency (sections are independent; the rate limit is the bound) and keep the prompt cache on",
                s.parallelism
            )
        } else if s.retries > 0 {
            format!(
                "{} retries added backoff waits: check the rate limit tier, or lower --ai-concurrency if 429s dominate",
                s.retries
            )
        } else {
            format!(
                "the calls already overlap ({:.1} in flight on average); what remains is the API's own latency: shorter outputs (max_tokens) or fewer sections per run",
                s.parallelism
            )
        };
        Some(Finding {
            kind: FindingKind::ApiLatency,
            subject: s.name.clone(),
            input: None,
            value: ratio,
            threshold: 1.0,
            unit: "x pipeline wall".to_owned(),
            message: format!(
                "ai_api_calls took {:.2} s over {} calls (median {:.2} s), {ratio:.0}x the local pipeline's {pipeline:.3} s on {}",
                s.wall_seconds,
                s.calls,
                s.median_call_seconds,
                self.input.as_deref().unwrap_or("the same input")
            ),
            suggestion,
        })
    }

    /// The terminal rows: a heading, the stage table and its comparison line.
    pub fn render(&self, out: &mut String) {
        let s = &self.stage;
        let _ = writeln!(
            out,
            "\nAI stage ({}{}):",
            self.source,
            self.input
                .as_deref()
                .map(|i| format!("; on {i}"))
                .unwrap_or_default()
        );
        let _ = writeln!(
            out,
            "  {:<13} {:>9} {:>6} {:>7} {:>8} {:>12} {:>10} {:>10} {:>10} {:>10} {:>10}",
            "stage",
            "wall s",
            "calls",
            "failed",
            "retries",
            "median call",
            "max call",
            "in flight",
            "input tok",
            "output tok",
            "cache read"
        );
        let _ = writeln!(
            out,
            "  {:<13} {:>9.4} {:>6} {:>7} {:>8} {:>12.4} {:>10.4} {:>10.2} {:>10} {:>10} {:>10}",
            s.name,
            s.wall_seconds,
            s.calls,
            s.failed_calls,
            s.retries,
            s.median_call_seconds,
            s.max_call_seconds,
            s.parallelism,
            s.input_tokens,
            s.output_tokens,
            s.cache_read_tokens
        );
        if let Some(p) = self.pipeline_wall_seconds.filter(|p| *p > 0.0) {
            let _ = writeln!(
                out,
                "  local pipeline on the same input: {p:.4} s; the API calls take {:.1}x that",
                s.wall_seconds / p
            );
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn profile(parallelism: f64) -> AiStageProfile {
        AiStageProfile {
            source: "loopback API, 500.0 ms before each answer, 4 calls in flight".into(),
            input: Some("1MB".into()),
            pipeline_wall_seconds: Some(0.05),
            stage: StageEntry {
                name: "ai_api_calls".into(),
                wall_seconds: 2.0,
                calls: 11,
                failed_calls: 0,
                retries: 0,
                call_seconds: 2.0 * parallelism,
                median_call_seconds: 0.5,
                max_call_seconds: 0.6,
                parallelism,
                input_tokens: 9000,
                output_tokens: 300,
                cache_write_tokens: 0,
                cache_read_tokens: 180_000,
            },
        }
    }

    #[test]
    fn the_finding_compares_with_the_pipeline_and_picks_advice() {
        let f = profile(1.0).finding().expect("40x the pipeline");
        assert_eq!(f.kind, FindingKind::ApiLatency);
        assert_eq!(f.value, 40.0);
        assert!(
            f.message
                .contains("40x the local pipeline's 0.050 s on 1MB"),
            "{}",
            f.message
        );
        assert!(
            f.suggestion.contains("raise --ai-concurrency"),
            "{}",
            f.suggestion
        );
        let f = profile(3.0).finding().expect("still slower");
        assert!(f.suggestion.contains("already overlap"), "{}", f.suggestion);
        let fast = AiStageProfile {
            pipeline_wall_seconds: Some(5.0),
            ..profile(1.0)
        };
        assert!(fast.finding().is_none());
        let mut out = String::new();
        profile(2.75).render(&mut out);
        assert!(out.contains("  ai_api_calls     2.0000     11"), "{out}");
        assert!(out.contains("take 40.0x that"), "{out}");
    }
}
