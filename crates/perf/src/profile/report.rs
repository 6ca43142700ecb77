//! The optimization report: the JSON wire model that the terminal rendering, `--compare` and the
//! history read from. Units are in field names; `schema_version` changes when a field's meaning
//! does (additions keep it).

use serde::{Deserialize, Serialize};

use super::ai::AiStageProfile;
use super::compare::Comparison;
use super::rules::Finding;
/// The machine and the tool; shared with the benchmark report (see [`crate::system`]).
pub use crate::system::SystemInfo;

/// Version of this report's layout.
pub const SCHEMA_VERSION: u32 = 1;

/// A whole `optimize` run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OptimizationReport {
    /// Layout version of this document ([`SCHEMA_VERSION`]).
    pub schema_version: u32,
    /// When the run started, UTC, RFC 3339.
    pub started_at: String,
    /// The machine and the tool that measured.
    pub system: SystemInfo,
    /// How the run was configured.
    pub settings: Settings,
    /// What the counting allocator costs, measured in this run (absent when not measured).
    pub allocator_overhead: Option<AllocatorOverhead>,
    /// One entry per input, smallest first.
    pub sizes: Vec<SizeProfile>,
    /// Heap and RSS against input size, across the inputs.
    pub memory_growth: MemoryGrowth,
    /// Findings across sizes (scaling, heap growth); per-size findings are in each size.
    pub findings: Vec<Finding>,
    /// Where the flamegraph SVG was written (of the largest input).
    pub flamegraph_path: Option<String>,
    /// Difference from an earlier report, when `--compare` was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comparison: Option<Comparison>,
    /// The AI stage (`ai_api_calls`), when asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ai_stage: Option<AiStageProfile>,
}

impl OptimizationReport {
    /// Every finding: per size, then across sizes.
    pub fn all_findings(&self) -> impl Iterator<Item = &Finding> {
        self.sizes
            .iter()
            .flat_map(|s| s.findings.iter())
            .chain(self.findings.iter())
    }
}

/// How the run was configured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// Sampling profiler frequency (0 = profiler off).
    pub sampling_hz: u32,
    /// Each input is run repeatedly until at least this much time has passed.
    pub min_seconds_per_size: f64,
    /// Stage throughput below this is a finding.
    pub target_mb_per_s: f64,
    /// Corpus layout for generated sizes (absent for `--input` files).
    pub corpus: Option<String>,
}

/// Throughput with and without allocation counting, same input, same process, interleaved runs,
/// timed by thread CPU time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AllocatorOverhead {
    /// Input measured (label of a size).
    pub input_label: String,
    /// Pairs of runs (one counting, one not).
    pub pairs: usize,
    /// Median throughput per CPU second with counting off (the state of every run that is not profiled).
    pub off_mb_per_s: f64,
    /// Median throughput per CPU second with counting on.
    pub on_mb_per_s: f64,
    /// Throughput lost to counting, percent of the off figure (negative = noise).
    pub cost_percent: f64,
    /// 95 % bootstrap interval of the on/off time ratio, as percent cost: low bound.
    pub cost_percent_ci_low: f64,
    /// 95 % bootstrap interval of the on/off time ratio, as percent cost: high bound.
    pub cost_percent_ci_high: f64,
}

/// Everything measured on one input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SizeProfile {
    /// Short name: `1MB` for a generated size, the file name for `--input`.
    pub label: String,
    /// Input size.
    pub input_bytes: u64,
    /// Times the pipeline ran over the input (figures below are per run).
    pub runs: u32,
    /// Wall time of one whole run.
    pub wall_seconds: f64,
    /// Thread CPU time of one whole run.
    pub cpu_seconds: f64,
    /// Input MB per wall second, whole pipeline.
    pub throughput_mb_per_s: f64,
    /// Input MB per CPU second, whole pipeline.
    pub cpu_throughput_mb_per_s: f64,
    /// Wall time inside no stage (between stages, summary assembly), per run.
    pub unattributed_seconds: f64,
    /// One entry per pipeline stage, in data-flow order.
    pub stages: Vec<StageProfile>,
    /// Sampling profiler results over the same runs.
    pub functions: Functions,
    /// Heap and RSS of this input.
    pub memory: Memory,
    /// Findings on this input.
    pub findings: Vec<Finding>,
}

/// One stage over one run (sums over its batches).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageProfile {
    /// Stage name (the pipeline's `Stage::name`).
    pub stage: String,
    /// Batches the stage ran.
    pub batches: u64,
    /// Wall time.
    pub wall_seconds: f64,
    /// Thread CPU time (user + system). Writes inside render batches are known only as wall
    /// time: that time moves from render to write, with the same fraction of render's CPU.
    pub cpu_seconds: f64,
    /// Share of the run's CPU time, 0..1 (the pipeline is one thread; CPU time is its work,
    /// wall time on a busy machine also counts waiting for a core).
    pub share: f64,
    /// Bytes the stage consumed.
    pub bytes_in: u64,
    /// MB of its input per CPU second (absent when the stage reports no input bytes).
    pub throughput_mb_per_s: Option<f64>,
    /// Items produced (cues, utterances, sentences, ...).
    pub items_out: u64,
    /// Allocation calls (absent when the counting allocator is not installed).
    pub allocations: Option<u64>,
    /// Bytes requested by those calls.
    pub allocated_bytes: Option<u64>,
    /// Highest live heap during any batch of this stage, above the heap live before the
    /// input's first profiled run (so the profiler's own buffers and lazily built tables are not
    /// counted).
    pub peak_heap_bytes: Option<u64>,
}

impl StageProfile {
    /// Allocation calls per byte of the stage's input.
    pub fn allocations_per_input_byte(&self) -> Option<f64> {
        match (self.allocations, self.bytes_in) {
            (Some(a), b) if b > 0 => Some(a as f64 / b as f64),
            _ => None,
        }
    }

    /// Bytes allocated per CPU second of the stage.
    pub fn allocation_rate_bytes_per_s(&self) -> Option<f64> {
        match self.allocated_bytes {
            Some(b) if self.cpu_seconds > 0.0 => Some(b as f64 / self.cpu_seconds),
            _ => None,
        }
    }
}

/// Sampling profiler results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Functions {
    /// Samples taken (after dropping the profiler's own frames).
    pub samples: u64,
    /// Top frames by self samples (the function was executing).
    pub top_self: Vec<FunctionSample>,
    /// Top frames by total samples (the function was on the stack), without the frames present
    /// in every sample (`main` and the entry chain).
    pub top_total: Vec<FunctionSample>,
    /// Top pipeline functions by samples in which they were the innermost pipeline frame: where
    /// our code spends its time, counting the library code it calls (inlined std iterators,
    /// `memchr`, `malloc`).
    pub top_own: Vec<FunctionSample>,
}

/// One function's share of the samples.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionSample {
    /// Demangled name without the hash suffix.
    pub function: String,
    /// Samples counted for it.
    pub samples: u64,
    /// Percent of all samples.
    pub percent: f64,
    /// The caller seen most often in its samples (for self time), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_caller: Option<String>,
    /// For a library leaf: the pipeline function it ran for most often.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_function: Option<String>,
}

/// Heap and RSS of one input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Memory {
    /// Peak resident set of the process during the warm-up run of this input, taken before any
    /// sampler ran (VmHWM after a reset). Absent when the peak could not be reset or read.
    pub peak_rss_bytes: Option<u64>,
    /// Live heap before the first run.
    pub baseline_heap_bytes: Option<u64>,
    /// Highest live heap during the runs (absolute; the baseline includes the sampling
    /// profiler's preallocated buffers, about 100 MB, when sampling is on).
    pub peak_heap_bytes: Option<u64>,
}

impl Memory {
    /// Heap the run itself needed: peak minus baseline.
    pub fn heap_used_bytes(&self) -> Option<u64> {
        Some(
            self.peak_heap_bytes?
                .saturating_sub(self.baseline_heap_bytes?),
        )
    }
}

/// Memory against input size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct MemoryGrowth {
    /// Least-squares slope of heap used against input MB (absent with fewer than two sizes).
    pub heap_growth_bytes_per_input_mb: Option<f64>,
    /// Least-squares slope of peak RSS against input MB.
    pub rss_growth_bytes_per_input_mb: Option<f64>,
}

/// Least-squares slope of `y` against `x`; `None` with fewer than two distinct `x`.
pub fn slope(points: &[(f64, f64)]) -> Option<f64> {
    if points.len() < 2 {
        return None;
    }
    let n = points.len() as f64;
    let mx = points.iter().map(|p| p.0).sum::<f64>() / n;
    let my = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
    if sxx <= 0.0 {
        return None;
    }
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    Some(sxy / sxx)
}

/// `YYYYMMDD_HHMMSS` (UTC) for file names, and RFC 3339 for the report, of a Unix time.
pub fn utc_stamps(unix_seconds: u64) -> (String, String) {
    let days = (unix_seconds / 86_400) as i64;
    let secs = unix_seconds % 86_400;
    let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
    // Civil-from-days (H. Hinnant, "chrono-Compatible Low-Level Date Algorithms").
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let mo = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(mo <= 2);
    (
        format!("{y:04}{mo:02}{d:02}_{h:02}{m:02}{s:02}"),
        format!("{y:04}-{mo:02}-{d:02}T{h:02}:{m:02}:{s:02}Z"),
    )
}

/// Report fixtures shared by the tests of the modules that read reports.
#[cfg(test)]
pub(crate) mod fixtures {
    use super::*;

    /// A one-stage ("parse") stage profile.
    pub(crate) fn stage(name: &str, wall: f64, bytes_in: u64, allocs: u64) -> StageProfile {
        StageProfile {
            stage: name.into(),
            batches: 4,
            wall_seconds: wall,
            cpu_seconds: wall,
            share: 0.2,
            bytes_in,
            throughput_mb_per_s: (bytes_in > 0 && wall > 0.0).then(|| bytes_in as f64 / 1e6 / wall),
            items_out: 1000,
            allocations: Some(allocs),
            allocated_bytes: Some(allocs * 100),
            peak_heap_bytes: Some(1 << 20),
        }
    }

    /// An input profile with the given stages.
    pub(crate) fn size(
        label: &str,
        bytes: u64,
        wall: f64,
        stages: Vec<StageProfile>,
    ) -> SizeProfile {
        SizeProfile {
            label: label.into(),
            input_bytes: bytes,
            runs: 1,
            wall_seconds: wall,
            cpu_seconds: wall,
            throughput_mb_per_s: bytes as f64 / 1e6 / wall,
            cpu_throughput_mb_per_s: bytes as f64 / 1e6 / wall,
            unattributed_seconds: 0.0,
            stages,
            functions: Functions::default(),
            memory: Memory {
                peak_rss_bytes: Some(1 << 24),
                baseline_heap_bytes: Some(0),
                peak_heap_bytes: Some(1 << 20),
            },
            findings: vec![],
        }
    }

    /// A report on one input, `label`, whose parse stage took `parse_seconds`.
    pub(crate) fn report(
        started_at: &str,
        label: &str,
        parse_seconds: f64,
        allocs: u64,
    ) -> OptimizationReport {
        OptimizationReport {
            schema_version: SCHEMA_VERSION,
            started_at: started_at.into(),
            system: SystemInfo::for_profile("0.1.0"),
            settings: Settings {
                sampling_hz: 1000,
                min_seconds_per_size: 1.0,
                target_mb_per_s: 100.0,
                corpus: Some("realistic".into()),
            },
            allocator_overhead: None,
            sizes: vec![size(
                label,
                1_000_000,
                parse_seconds * 2.0,
                vec![stage("parse", parse_seconds, 1_000_000, allocs)],
            )],
            memory_growth: MemoryGrowth::default(),
            findings: vec![],
            flamegraph_path: None,
            comparison: None,
            ai_stage: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_stamps_match_known_instants() {
        assert_eq!(
            utc_stamps(0),
            ("19700101_000000".into(), "1970-01-01T00:00:00Z".into())
        );
        // 2024-02-29 12:34:56 UTC (a leap day).
        assert_eq!(utc_stamps(1_709_210_096).0, "20240229_123456");
        assert_eq!(utc_stamps(1_709_210_096).1, "2024-02-29T12:34:56Z");
    }

    #[test]
    fn slope_of_a_line_and_of_too_few_points() {
        let pts = [(1.0, 10.0), (10.0, 28.0), (5.0, 18.0)];
        assert!((slope(&pts).unwrap() - 2.0).abs() < 1e-9);
        assert_eq!(slope(&[(1.0, 1.0)]), None);
        assert_eq!(slope(&[(2.0, 1.0), (2.0, 5.0)]), None);
    }
}
